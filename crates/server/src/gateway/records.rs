//! The gateway's own records — grants, chats, sign-in states, idempotency keys, upload
//! quotas, history page starts, away flags and ratings — and its rate limits, kept where
//! `--state` says: the data dir's SQLite file (one node; the default), or Redis, which every
//! replica of a deployment shares ([`redis`]).
//!
//! Each operation the gateway needs is one method here, and each is one transaction in
//! either place: a SQLite transaction, or one Lua script that Redis runs atomically.

pub mod redis;

use std::sync::Arc;

use crate::error::ApiError;
use crate::store::grants::{self, Idempotency};
use crate::store::{chats, history_pages, Store};

use super::quota;
use super::rate_limit::{Rate, RateLimiter};

/// Where the gateway keeps its records.
pub enum Records {
    /// The data dir's SQLite file (shared with the local Connect360 when it is the upstream).
    Sqlite(Arc<Store>),
    /// A Redis every replica shares (`--state redis://…`).
    Redis(redis::RedisState),
}

/// Upload bytes held for an upload under way, under every quota key, until it is released
/// or dropped (a request given up on releases too); with Redis, a hold whose replica dies
/// expires by itself.
pub struct UploadHold<'a> {
    /// What the quotas leave, this upload's hold included.
    pub left: u64,
    held: Held<'a>,
}

enum Held<'a> {
    Nothing,
    /// Released when dropped.
    Local(#[allow(dead_code)] quota::Reservation<'a>),
    Shared {
        redis: redis::RedisState,
        keys: Vec<String>,
        member: String,
    },
}

impl UploadHold<'_> {
    /// Gives the held bytes back (what the upload spent is in the ledger by now).
    pub async fn release(mut self) {
        if let Some(release) = self.take_shared() {
            release.await;
        }
    }

    /// The release of a hold in Redis, taken out of this hold (which then holds nothing).
    fn take_shared(&mut self) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
        match std::mem::replace(&mut self.held, Held::Nothing) {
            Held::Shared {
                redis,
                keys,
                member,
            } => Some(async move { redis.release_upload(&keys, &member).await }),
            Held::Nothing | Held::Local(_) => None,
        }
    }
}

impl Drop for UploadHold<'_> {
    fn drop(&mut self) {
        if let Some(release) = self.take_shared() {
            // Not released by its request (given up on): released all the same.
            tokio::spawn(release);
        }
    }
}

/// What a new session found of the visitor's chats.
pub struct OpenedSession {
    /// The chat the visitor writes in, when it is not their top-level conversation.
    pub current: Option<String>,
}

/// A sign-in started: what the callback needs, under the SHA-256 of its `state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInState {
    pub external_id: String,
    pub conversation_id: String,
    pub message_id: String,
    pub suggestion: String,
    pub lang: String,
    /// Unix milliseconds.
    pub expires_at: i64,
    /// The SHA-256 of the browser cookie it was started with.
    pub browser_hash: String,
}

impl Records {
    /// Runs `body` in one SQLite transaction, off the async threads.
    async fn sqlite<T: Send + 'static>(
        store: &Arc<Store>,
        body: impl FnOnce(&crate::store::Tx<'_>) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.transaction(body))
            .await
            .unwrap_or_else(|e| Err(ApiError::internal(e.to_string())))
    }

    /// What `/readyz` calls this check: the store it asks.
    pub fn check_name(&self) -> &'static str {
        match self {
            Records::Sqlite(_) => "database",
            Records::Redis(_) => "redis",
        }
    }

    /// Whether the records answer (`/readyz`).
    pub async fn ping(&self) -> Result<(), ApiError> {
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, |tx| {
                    Ok(tx.sql.query_row("SELECT 1", [], |_| Ok(()))?)
                })
                .await
            }
            Records::Redis(redis) => redis.ping().await,
        }
    }

    /// Takes one token of `rate` under `key`, or 429 with the seconds until one is free.
    /// With Redis the bucket is shared by every replica; else `local` keeps it in memory.
    pub async fn rate_check(
        &self,
        local: &RateLimiter,
        key: &str,
        rate: Rate,
    ) -> Result<(), ApiError> {
        match self {
            Records::Sqlite(_) => local.check(key, rate),
            Records::Redis(redis) => match redis.take_token(key, rate).await? {
                None => Ok(()),
                Some(wait) => Err(super::rate_limit::limited(key, wait)),
            },
        }
    }

    // --- grants ---

    pub async fn has_conversation(
        &self,
        external: &str,
        conversation: &str,
    ) -> Result<bool, ApiError> {
        let (external, conversation) = (external.to_owned(), conversation.to_owned());
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    grants::has_conversation(tx, &external, &conversation)
                })
                .await
            }
            Records::Redis(redis) => redis.has_conversation(&external, &conversation).await,
        }
    }

    /// Whether the visitor may reach `conversation`, and the chat they write in.
    pub async fn access(
        &self,
        external: &str,
        conversation: &str,
    ) -> Result<(bool, Option<String>), ApiError> {
        let (external, conversation) = (external.to_owned(), conversation.to_owned());
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    Ok((
                        grants::has_conversation(tx, &external, &conversation)?,
                        chats::current(tx, &external)?,
                    ))
                })
                .await
            }
            Records::Redis(redis) => redis.access(&external, &conversation).await,
        }
    }

    /// Which identified customer the guest `visitor` was merged into, if any.
    pub async fn merged_into(&self, visitor: &str) -> Result<Option<String>, ApiError> {
        let visitor = visitor.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| grants::merged_into(tx, &visitor)).await
            }
            Records::Redis(redis) => redis.merged_into(&visitor).await,
        }
    }

    /// A session for `known` opens: their top-level conversation `top` (started at
    /// `started_at`) is granted and recorded as a chat; a guest who signed in (`merged_guest`)
    /// hands everything over to `known`. Returns the chat `known` writes in when it is not
    /// `top` (granted again); otherwise `top` becomes it.
    pub async fn open_session(
        &self,
        known: &str,
        top: &str,
        started_at: &str,
        merged_guest: Option<&str>,
    ) -> Result<OpenedSession, ApiError> {
        let (known, top, started_at) = (known.to_owned(), top.to_owned(), started_at.to_owned());
        let guest = merged_guest.map(str::to_owned);
        let current = match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    grants::grant_conversation(tx, &known, &top)?;
                    if let Some(guest) = &guest {
                        // What the guest could reach is now the known customer's alone: the
                        // guest's grants move, so a guest token of this browser loses them.
                        grants::merge_guest_into(tx, guest, &known)?;
                    }
                    chats::record(tx, &known, &top, &started_at)?;
                    // A chat the visitor started after an end is where they write, while it
                    // is theirs; else their top-level conversation.
                    match chats::current(tx, &known)? {
                        Some(current) if current != top => {
                            grants::grant_conversation(tx, &known, &current)?;
                            Ok(Some(current))
                        }
                        _ => {
                            chats::set_current(tx, &known, &top)?;
                            Ok(None)
                        }
                    }
                })
                .await?
            }
            Records::Redis(redis) => {
                redis
                    .open_session(&known, &top, &started_at, guest.as_deref())
                    .await?
            }
        };
        Ok(OpenedSession { current })
    }

    /// The visitor's current chat `gone` was deleted upstream: it is forgotten and `top` is
    /// where they write again.
    pub async fn fall_back_to_top(
        &self,
        external: &str,
        gone: &str,
        top: &str,
    ) -> Result<(), ApiError> {
        let args = [external, gone, top].map(str::to_owned);
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    let [external, gone, top] = &args;
                    grants::revoke_conversations(tx, std::slice::from_ref(gone))?;
                    chats::set_current(tx, external, top)
                })
                .await
            }
            Records::Redis(redis) => {
                let [external, gone, top] = &args;
                redis.fall_back_to_top(external, gone, top).await
            }
        }
    }

    /// Every visitor loses `conversations` (they were deleted).
    pub async fn revoke_conversations(&self, conversations: &[String]) -> Result<(), ApiError> {
        let conversations = conversations.to_vec();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    grants::revoke_conversations(tx, &conversations)
                })
                .await
            }
            Records::Redis(redis) => redis.revoke_conversations(&conversations).await,
        }
    }

    /// The conversation holds messages: the empty-chat sweep leaves it alone from now on.
    pub async fn keep_conversation(&self, conversation: &str) -> Result<(), ApiError> {
        let conversation = conversation.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    grants::keep_conversation(tx, &conversation)
                })
                .await
            }
            Records::Redis(redis) => redis.keep_conversation(&conversation).await,
        }
    }

    /// Guest conversations idle since before `before` (Unix milliseconds), at most `limit`.
    pub async fn idle_guest_conversations(
        &self,
        before: i64,
        limit: usize,
    ) -> Result<Vec<String>, ApiError> {
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    grants::idle_guest_conversations(tx, before, limit)
                })
                .await
            }
            Records::Redis(redis) => redis.idle_guest_conversations(before, limit).await,
        }
    }

    // --- files ---

    /// Files the visitor was shown in their conversation: (file id, s3 key).
    pub async fn grant_shown_files(
        &self,
        external: &str,
        files: Vec<(String, String)>,
    ) -> Result<(), ApiError> {
        if files.is_empty() {
            return Ok(());
        }
        let external = external.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    for (id, key) in &files {
                        grants::grant_file(tx, &external, id, key, false)?;
                    }
                    Ok(())
                })
                .await
            }
            Records::Redis(redis) => redis.grant_shown_files(&external, &files).await,
        }
    }

    /// Files the visitor uploaded, each with its size, spent under every quota key.
    pub async fn record_uploads(
        &self,
        external: &str,
        files: Vec<(connect360_model::wire::FileRef, u64)>,
        quota_keys: Vec<String>,
    ) -> Result<(), ApiError> {
        let external = external.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    for (file, size) in &files {
                        grants::grant_upload(tx, &external, file, *size)?;
                        quota::spend(tx, &quota_keys, *size)?;
                    }
                    Ok(())
                })
                .await
            }
            Records::Redis(redis) => redis.record_uploads(&external, &files, &quota_keys).await,
        }
    }

    /// Holds upload bytes under every quota key (`keys`, with their daily `limits`): the
    /// declared length, or everything left without one. What is left counts what was spent
    /// in the last 24 hours and what uploads under way hold — on every replica, with Redis.
    pub async fn hold_upload<'a>(
        &'a self,
        local: &'a quota::Reservations,
        keys: Vec<String>,
        limits: Vec<u64>,
        declared: Option<u64>,
    ) -> Result<UploadHold<'a>, ApiError> {
        let since = crate::clock::now_millis() - quota::WINDOW_MILLIS;
        match self {
            Records::Sqlite(_) => {
                let spent = self.spent_since(keys.clone(), since).await?;
                let left = keys
                    .iter()
                    .zip(spent)
                    .zip(&limits)
                    .map(|((key, spent), limit)| limit.saturating_sub(spent + local.held(key)))
                    .min()
                    .unwrap_or(0);
                let held = match left {
                    0 => Held::Nothing,
                    _ => Held::Local(local.reserve(keys, declared.unwrap_or(left).min(left))),
                };
                Ok(UploadHold { left, held })
            }
            Records::Redis(redis) => {
                let (left, member) = redis.hold_upload(&keys, &limits, declared, since).await?;
                let held = match member {
                    Some(member) => Held::Shared {
                        redis: redis.clone(),
                        keys,
                        member,
                    },
                    None => Held::Nothing,
                };
                Ok(UploadHold { left, held })
            }
        }
    }

    /// Bytes spent under each key since `since` (Unix milliseconds), in order.
    pub async fn spent_since(&self, keys: Vec<String>, since: i64) -> Result<Vec<u64>, ApiError> {
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    keys.iter()
                        .map(|key| quota::spent_since(tx, key, since))
                        .collect()
                })
                .await
            }
            Records::Redis(redis) => redis.spent_since(&keys, since).await,
        }
    }

    /// Whether the visitor uploaded this file (only those may go into their messages).
    pub async fn uploaded_file(&self, external: &str, file: &str) -> Result<bool, ApiError> {
        let (external, file) = (external.to_owned(), file.to_owned());
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| grants::uploaded_file(tx, &external, &file)).await
            }
            Records::Redis(redis) => redis.uploaded_file(&external, &file).await,
        }
    }

    /// Whether the visitor may download the asset under `s3_key`.
    pub async fn may_download(&self, external: &str, s3_key: &str) -> Result<bool, ApiError> {
        let (external, key) = (external.to_owned(), s3_key.to_owned());
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| grants::may_download(tx, &external, &key)).await
            }
            Records::Redis(redis) => redis.may_download(&external, &key).await,
        }
    }

    /// The visitor's uploads went into a message: kept, not cleaned up.
    pub async fn mark_attached(&self, external: &str, files: Vec<String>) -> Result<(), ApiError> {
        let external = external.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    grants::mark_attached(tx, &external, &files)
                })
                .await
            }
            Records::Redis(redis) => redis.mark_attached(&external, &files).await,
        }
    }

    /// Uploads never attached and older than `before`, at most `limit`: (file id, s3 key).
    pub async fn unattached_uploads(
        &self,
        before: i64,
        limit: usize,
    ) -> Result<Vec<(String, String)>, ApiError> {
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    grants::unattached_uploads(tx, before, limit)
                })
                .await
            }
            Records::Redis(redis) => redis.unattached_uploads(before, limit).await,
        }
    }

    /// Every visitor loses `files` (they were deleted).
    pub async fn revoke_files(&self, files: Vec<String>) -> Result<(), ApiError> {
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| grants::revoke_files(tx, &files)).await
            }
            Records::Redis(redis) => redis.revoke_files(&files).await,
        }
    }

    /// Forgets what no longer counts: spent bytes before `quota_before`, away stretches ended
    /// before `away_before`. Redis lets both expire by themselves.
    pub async fn forget_old(&self, quota_before: i64, away_before: i64) -> Result<(), ApiError> {
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    quota::forget_before(tx, quota_before)?;
                    grants::forget_away_stretches_before(tx, away_before)
                })
                .await
            }
            Records::Redis(_) => Ok(()),
        }
    }

    // --- chats ---

    /// The chat the visitor writes in, while it is still theirs.
    pub async fn current_chat(&self, external: &str) -> Result<Option<String>, ApiError> {
        let external = external.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| chats::current(tx, &external)).await
            }
            Records::Redis(redis) => redis.current_chat(&external).await,
        }
    }

    /// Moves the visitor from chat `from` to their new chat `to` (started at `started_at`,
    /// under `parent`), unless another request moved them first: false then.
    pub async fn start_chat(
        &self,
        external: &str,
        from: &str,
        to: &str,
        started_at: &str,
        parent: &str,
    ) -> Result<bool, ApiError> {
        let args = [external, from, to, started_at, parent].map(str::to_owned);
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    let [external, from, to, started_at, parent] = &args;
                    if !chats::move_current(tx, external, from, to)? {
                        return Ok(false);
                    }
                    grants::grant_conversation(tx, external, to)?;
                    chats::record(tx, external, to, started_at)?;
                    // Deleting a conversation deletes its sub-conversations (§3.4): the
                    // empty-chat sweep leaves a parent of chats alone.
                    grants::keep_conversation(tx, parent)?;
                    Ok(true)
                })
                .await
            }
            Records::Redis(redis) => {
                let [external, from, to, started_at, parent] = &args;
                redis
                    .start_chat(external, from, to, started_at, parent)
                    .await
            }
        }
    }

    /// The visitor's chats, newest first: (conversation id, started at), at most `limit`; and
    /// the one they write in.
    pub async fn chats(
        &self,
        external: &str,
        limit: usize,
    ) -> Result<(Vec<(String, String)>, Option<String>), ApiError> {
        let external = external.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    Ok((
                        chats::list(tx, &external, limit)?,
                        chats::current(tx, &external)?,
                    ))
                })
                .await
            }
            Records::Redis(redis) => redis.chats(&external, limit).await,
        }
    }

    // --- history pages ---

    /// The start of pages 1, 2, … of `conversation` (page 0 starts at the first message).
    pub async fn page_starts(&self, conversation: &str) -> Result<Vec<String>, ApiError> {
        let conversation = conversation.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    history_pages::page_starts(tx, &conversation)
                })
                .await
            }
            Records::Redis(redis) => redis.page_starts(&conversation).await,
        }
    }

    /// Page `page` (from 1) of `conversation` starts at `cursor` (a repeat keeps the first).
    pub async fn record_page_start(
        &self,
        conversation: &str,
        page: usize,
        cursor: &str,
    ) -> Result<(), ApiError> {
        let (conversation, cursor) = (conversation.to_owned(), cursor.to_owned());
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    history_pages::record_page_start(tx, &conversation, page, &cursor)
                })
                .await
            }
            Records::Redis(redis) => redis.record_page_start(&conversation, page, &cursor).await,
        }
    }

    /// Forgets the page index of `conversation`: the next visitor builds it again.
    pub async fn forget_pages(&self, conversation: &str) -> Result<(), ApiError> {
        let conversation = conversation.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| history_pages::forget(tx, &conversation)).await
            }
            Records::Redis(redis) => redis.forget_pages(&conversation).await,
        }
    }

    // --- away flags and ratings ---

    /// Whether this is the first message of `conversation` in the away stretch named
    /// `back_at` (recorded now).
    pub async fn first_while_away(
        &self,
        conversation: &str,
        back_at: i64,
    ) -> Result<bool, ApiError> {
        let conversation = conversation.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    grants::first_while_away(tx, &conversation, back_at)
                })
                .await
            }
            Records::Redis(redis) => redis.first_while_away(&conversation, back_at).await,
        }
    }

    /// Undoes [`Records::first_while_away`] for a message that was not stored after all.
    pub async fn forget_away(&self, conversation: &str, back_at: i64) -> Result<(), ApiError> {
        let conversation = conversation.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    grants::forget_away(tx, &conversation, back_at)
                })
                .await
            }
            Records::Redis(redis) => redis.forget_away(&conversation, back_at).await,
        }
    }

    /// Takes the one rating of `conversation`: false when it was taken already.
    pub async fn take_rating(&self, conversation: &str) -> Result<bool, ApiError> {
        let conversation = conversation.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| grants::take_rating(tx, &conversation)).await
            }
            Records::Redis(redis) => redis.take_rating(&conversation).await,
        }
    }

    /// Gives back a rating whose writing failed, so the visitor can try again.
    pub async fn give_back_rating(&self, conversation: &str) -> Result<(), ApiError> {
        let conversation = conversation.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| grants::give_back_rating(tx, &conversation)).await
            }
            Records::Redis(redis) => redis.give_back_rating(&conversation).await,
        }
    }

    // --- idempotency keys ---

    /// Claims `key` for this visitor unless it was used within the last 24 hours.
    pub async fn claim_idempotency_key(
        &self,
        external: &str,
        key: &str,
        body_hash: &str,
    ) -> Result<Idempotency, ApiError> {
        let (external, key, hash) = (external.to_owned(), key.to_owned(), body_hash.to_owned());
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    grants::claim_idempotency_key(tx, &external, &key, &hash)
                })
                .await
            }
            Records::Redis(redis) => redis.claim_idempotency_key(&external, &key, &hash).await,
        }
    }

    /// Records the response of the claim of `key` for this body, or releases it (`None`).
    pub async fn finish_idempotency_key(
        &self,
        external: &str,
        key: &str,
        body_hash: &str,
        response: Option<String>,
    ) -> Result<(), ApiError> {
        let (external, key) = (external.to_owned(), key.to_owned());
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    grants::finish_idempotency_key(tx, &external, &key, response.as_deref())
                })
                .await
            }
            Records::Redis(redis) => {
                redis
                    .finish_idempotency_key(&external, &key, body_hash, response.as_deref())
                    .await
            }
        }
    }

    // --- sign-in states ---

    /// Keeps a sign-in started, under the SHA-256 of its `state`.
    pub async fn start_sign_in(
        &self,
        state_hash: &str,
        state: SignInState,
    ) -> Result<(), ApiError> {
        let hash = state_hash.to_owned();
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    crate::store::sign_ins::start(tx, &hash, &state)
                })
                .await
            }
            Records::Redis(redis) => redis.start_sign_in(&hash, &state).await,
        }
    }

    /// Whether a sign-in of `external`, started in the browser whose cookie hashes to
    /// `browser_hash`, is still waiting for its callback.
    pub async fn sign_in_waiting(
        &self,
        browser_hash: &str,
        external: &str,
    ) -> Result<bool, ApiError> {
        let (browser, external) = (browser_hash.to_owned(), external.to_owned());
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    crate::store::sign_ins::waiting(tx, &browser, &external)
                })
                .await
            }
            Records::Redis(redis) => redis.sign_in_waiting(&browser, &external).await,
        }
    }

    /// Takes the sign-in under `state_hash` once, if it has not expired and was started in
    /// this browser; a state from another browser is left as it was.
    pub async fn take_sign_in(
        &self,
        state_hash: &str,
        browser_hash: &str,
    ) -> Result<Option<SignInState>, ApiError> {
        let (hash, browser) = (state_hash.to_owned(), browser_hash.to_owned());
        match self {
            Records::Sqlite(store) => {
                Self::sqlite(store, move |tx| {
                    crate::store::sign_ins::take(tx, &hash, &browser)
                })
                .await
            }
            Records::Redis(redis) => redis.take_sign_in(&hash, &browser).await,
        }
    }
}
