//! The gateway's records in Redis (`--state redis://…`), shared by every replica.
//!
//! Every change that touches more than one key is a Lua script, which Redis runs atomically:
//! the same all-or-nothing a SQLite transaction gives the single node. Scripts build their
//! keys from their arguments, so this needs one Redis (or one primary with replicas), not
//! Redis Cluster. Keys, all under `c360:`:
//!
//! | key | what |
//! |---|---|
//! | `g:<visitor>` hash conversation → granted at | conversations a visitor may reach |
//! | `gby:<conversation>` set | who may reach it (revoking by conversation) |
//! | `kept:<conversation>`, `idle` zset | the empty-chat sweep's view |
//! | `f:<visitor>` hash file → s3 key, `fu:<visitor>`, `dl:<visitor>` sets | files shown or uploaded; uploaded ids; downloadable keys |
//! | `fby:<file>`, `fkey:<file>`, `att:<file>`, `unattached` zset | revoking and sweeping files |
//! | `chats:<visitor>` hash conversation → started at, `chatby:<conversation>`, `cur:<visitor>` | chats and the current one |
//! | `merged:<guest>` | who a signed-in guest became |
//! | `pages:<conversation>` hash page → cursor | history page starts |
//! | `away:<conversation>:<back at>`, `rated:<conversation>` | away flags (expiring), ratings |
//! | `idem:<visitor>:<key>` hash | idempotency keys (60 s in flight, 24 h answered) |
//! | `oauth:<state hash>` hash, `oauthb:<browser hash>` zset | sign-ins (expiring, taken once) |
//! | `ledger:<quota key>` zset | upload bytes spent (24 h) |
//! | `rl:<key>` hash | token buckets of the rate limits |

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{AsyncCommands, IntoConnectionInfo, Script};
use connect360_model::wire::{ErrorCode, FileRef};

use super::SignInState;
use crate::clock::{now_millis, random_token};
use crate::error::ApiError;
use crate::gateway::rate_limit::Rate;
use crate::store::grants::{Idempotency, IN_FLIGHT_EXPIRY_MILLIS};

/// Every key's prefix.
const PREFIX: &str = "c360:";
/// How long an answered idempotency key, and spent upload bytes, are kept.
const DAY_MILLIS: i64 = 24 * 3_600_000;
/// An away flag outlives the stretch it names by this long (a late retry is not flagged).
const AWAY_KEPT_MILLIS: i64 = 30 * DAY_MILLIS;
/// An upload's hold on the quotas expires after this long, should its replica die.
const UPLOAD_HOLD_MILLIS: i64 = 30 * 60_000;
/// What a visitor is told to wait for when Redis does not answer.
const RETRY_AFTER_SECONDS: u64 = 2;

/// A connection to the shared Redis: one multiplexed connection that reconnects by itself.
#[derive(Clone)]
pub struct RedisState {
    client: ::redis::Client,
    connection: ConnectionManager,
    /// Whether the last command failed (so an outage is logged once, and its end too).
    failing: Arc<AtomicBool>,
    /// This process among the replicas (a random name): whose lease a poller holds, and who
    /// published an event.
    replica: Arc<str>,
}

/// The channel conversations' events go out on, to every replica's streams.
pub const EVENTS_CHANNEL: &str = "c360:events";
/// The channel a replica asks on for a conversation to be read now (something was sent).
pub const WAKE_CHANNEL: &str = "c360:wake";

impl RedisState {
    /// Connects lazily to `url`, with `password` (from the environment) if given: the gateway
    /// starts even while Redis is down, answers 503 until it is up, and reconnects by itself.
    pub fn connect(url: &str, password: Option<&str>) -> Result<RedisState, ::redis::RedisError> {
        let mut info = url.into_connection_info()?;
        if let Some(password) = password {
            let settings = info.redis_settings().clone().set_password(password);
            info = info.set_redis_settings(settings);
        }
        let client = ::redis::Client::open(info)?;
        let connection_client = client.clone();
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        Ok(RedisState {
            connection: ConnectionManager::new_lazy_with_config(connection_client, config)?,
            client,
            failing: Arc::default(),
            replica: random_token(16).into(),
        })
    }

    /// This replica's name.
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// Warns when Redis may evict keys: an evicted grant or sign-in state is a visitor
    /// refused, where a full Redis without eviction answers 503 and loses nothing.
    pub async fn check_eviction_policy(&self) {
        let policy: Result<Vec<String>, _> = ::redis::cmd("CONFIG")
            .arg("GET")
            .arg("maxmemory-policy")
            .query_async(&mut self.conn())
            .await;
        // A managed Redis may not allow CONFIG: nothing to say then.
        if let Ok(policy) = policy {
            if let Some(policy) = policy.get(1).filter(|p| p.as_str() != "noeviction") {
                tracing::warn!(
                    policy,
                    "the shared state's Redis may evict keys (maxmemory-policy); set noeviction"
                );
            }
        }
    }

    /// A connection for subscribing to [`EVENTS_CHANNEL`] and [`WAKE_CHANNEL`].
    pub async fn pubsub(&self) -> Result<::redis::aio::PubSub, ::redis::RedisError> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(&[EVENTS_CHANNEL, WAKE_CHANNEL]).await?;
        Ok(pubsub)
    }

    /// Publishes `payload` on `channel`.
    pub async fn publish(&self, channel: &str, payload: &str) -> Result<(), ApiError> {
        let result: Result<i64, _> = self.conn().publish(channel, payload).await;
        self.answered(result).map(drop)
    }

    /// Takes or keeps, for `lease`, the lease of each conversation's poller, as its owner
    /// (one watch of this replica), saying whether a visitor is looking at it here: for each,
    /// whether the owner holds the lease now, and (when it does) whether a visitor looks at the
    /// conversation on another replica. One call for many: a replica renews all its leases
    /// at once.
    pub async fn lead(
        &self,
        leases: &[(&str, &str, bool)],
        lease: Duration,
    ) -> Result<Vec<(bool, bool)>, ApiError> {
        let millis = lease.as_millis().to_string();
        let mut args = vec![millis.as_str()];
        for (conversation, owner, looking) in leases {
            args.extend([*conversation, *owner, if *looking { "1" } else { "0" }]);
        }
        let found: Vec<i64> = self.run(&LEAD, &args).await?;
        Ok(found
            .chunks(2)
            .map(|pair| (pair.first() == Some(&1), pair.get(1) == Some(&1)))
            .collect())
    }

    /// Gives up the lease of `conversation`'s poller, if `owner` holds it.
    pub async fn release(&self, conversation: &str, owner: &str) -> Result<(), ApiError> {
        let key = format!("{PREFIX}poll:{conversation}");
        self.run(&RELEASE, &[&key, owner]).await
    }

    /// The connection, for one call.
    fn conn(&self) -> ConnectionManager {
        self.connection.clone()
    }

    /// Whether the last call failed: while Redis is away, what can wait does not try it.
    pub fn is_failing(&self) -> bool {
        self.failing.load(Ordering::Relaxed)
    }

    /// Logs an outage's start and end once each, and turns a failure into a clear 503.
    fn answered<T>(&self, result: Result<T, ::redis::RedisError>) -> Result<T, ApiError> {
        match result {
            Ok(value) => {
                if self.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("the shared state (Redis) answers again");
                }
                Ok(value)
            }
            Err(error) => {
                metrics::counter!("connect360_redis_errors_total").increment(1);
                if !self.failing.swap(true, Ordering::Relaxed) {
                    // The kind only: the error's text may name the server's address.
                    tracing::warn!(kind = ?error.kind(), "the shared state (Redis) does not answer");
                }
                Err(ApiError {
                    retry_after: Some(RETRY_AFTER_SECONDS),
                    ..ApiError::new(
                        ErrorCode::ServiceUnavailable,
                        "The chat's shared state is not reachable right now; retry in a few seconds.",
                    )
                })
            }
        }
    }

    /// Runs `script` with `args` (no keys: scripts build theirs from the prefix).
    async fn run<T: ::redis::FromRedisValue>(
        &self,
        script: &Script,
        args: &[&str],
    ) -> Result<T, ApiError> {
        let mut invocation = script.prepare_invoke();
        for arg in args {
            invocation.arg(*arg);
        }
        let result = invocation.invoke_async(&mut self.conn()).await;
        self.answered(result)
    }

    pub async fn ping(&self) -> Result<(), ApiError> {
        let result: Result<String, _> = ::redis::cmd("PING").query_async(&mut self.conn()).await;
        self.answered(result).map(drop)
    }

    /// Takes a token of `rate` under `key`: `None`, or the seconds to wait for one. The bucket
    /// is timed by Redis's clock, the one clock every replica shares.
    pub async fn take_token(&self, key: &str, rate: Rate) -> Result<Option<u64>, ApiError> {
        let burst = rate.burst.max(1);
        let per_token = (rate.per.as_millis() as u64 / u64::from(burst)).max(1);
        let (burst, per_token) = (burst.to_string(), per_token.to_string());
        let wait: i64 = self
            .run(
                &TAKE_TOKEN,
                &[&format!("{PREFIX}rl:{key}"), &burst, &per_token],
            )
            .await?;
        Ok((wait > 0).then(|| (wait as u64).div_ceil(1000)))
    }

    // --- grants ---

    pub async fn has_conversation(
        &self,
        external: &str,
        conversation: &str,
    ) -> Result<bool, ApiError> {
        let result = self
            .conn()
            .hexists(format!("{PREFIX}g:{external}"), conversation)
            .await;
        self.answered(result)
    }

    pub async fn access(
        &self,
        external: &str,
        conversation: &str,
    ) -> Result<(bool, Option<String>), ApiError> {
        let (granted, current): (i64, String) =
            self.run(&ACCESS, &[external, conversation]).await?;
        Ok((granted == 1, Some(current).filter(|c| !c.is_empty())))
    }

    pub async fn current_chat(&self, external: &str) -> Result<Option<String>, ApiError> {
        Ok(self.access(external, "").await?.1)
    }

    pub async fn merged_into(&self, visitor: &str) -> Result<Option<String>, ApiError> {
        let result = self.conn().get(format!("{PREFIX}merged:{visitor}")).await;
        self.answered(result)
    }

    pub async fn open_session(
        &self,
        known: &str,
        top: &str,
        started_at: &str,
        merged_guest: Option<&str>,
    ) -> Result<Option<String>, ApiError> {
        let now = now_millis().to_string();
        let guest = merged_guest.unwrap_or("");
        self.run(&OPEN_SESSION, &[known, top, started_at, guest, &now])
            .await
    }

    pub async fn fall_back_to_top(
        &self,
        external: &str,
        gone: &str,
        top: &str,
    ) -> Result<(), ApiError> {
        self.run(&FALL_BACK_TO_TOP, &[external, gone, top]).await
    }

    pub async fn revoke_conversations(&self, conversations: &[String]) -> Result<(), ApiError> {
        let args: Vec<&str> = conversations.iter().map(String::as_str).collect();
        self.run(&REVOKE_CONVERSATIONS, &args).await
    }

    pub async fn keep_conversation(&self, conversation: &str) -> Result<(), ApiError> {
        self.run(&KEEP, &[conversation]).await
    }

    pub async fn idle_guest_conversations(
        &self,
        before: i64,
        limit: usize,
    ) -> Result<Vec<String>, ApiError> {
        let result = ::redis::cmd("ZRANGEBYSCORE")
            .arg(format!("{PREFIX}idle"))
            .arg("-inf")
            .arg(format!("({before}"))
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .query_async(&mut self.conn())
            .await;
        self.answered(result)
    }

    // --- files ---

    pub async fn grant_shown_files(
        &self,
        external: &str,
        files: &[(String, String)],
    ) -> Result<(), ApiError> {
        let mut args = vec![external];
        for (id, key) in files {
            args.extend([id.as_str(), key.as_str()]);
        }
        self.run(&GRANT_SHOWN_FILES, &args).await
    }

    pub async fn record_uploads(
        &self,
        external: &str,
        files: &[(FileRef, u64)],
        quota_keys: &[String],
    ) -> Result<(), ApiError> {
        let (now, nonce, count) = (
            now_millis().to_string(),
            random_token(12),
            files.len().to_string(),
        );
        let sizes: Vec<String> = files.iter().map(|(_, size)| size.to_string()).collect();
        let mut args = vec![external, &now, &nonce, &count];
        for ((file, _), size) in files.iter().zip(&sizes) {
            args.extend([file.id.as_str(), file.s3_key.as_str(), size.as_str()]);
        }
        args.extend(quota_keys.iter().map(String::as_str));
        self.run(&RECORD_UPLOADS, &args).await
    }

    /// Holds upload bytes under `keys` (limits in order): what is left, and the hold's
    /// member in each key's holds (none when nothing is left).
    pub async fn hold_upload(
        &self,
        keys: &[String],
        limits: &[u64],
        declared: Option<u64>,
        since: i64,
    ) -> Result<(u64, Option<String>), ApiError> {
        let (since, now, ttl) = (
            since.to_string(),
            now_millis().to_string(),
            UPLOAD_HOLD_MILLIS.to_string(),
        );
        let nonce = random_token(12);
        let declared = declared.map(|d| d.to_string()).unwrap_or_default();
        let count = keys.len().to_string();
        let limits: Vec<String> = limits.iter().map(u64::to_string).collect();
        let mut args = vec![since.as_str(), &now, &ttl, &nonce, &declared, &count];
        args.extend(keys.iter().map(String::as_str));
        args.extend(limits.iter().map(String::as_str));
        let (left, hold): (i64, i64) = self.run(&HOLD_UPLOAD, &args).await?;
        let member = (hold > 0).then(|| format!("{nonce}:{hold}"));
        Ok((left.max(0) as u64, member))
    }

    /// Gives back an upload's hold (logged if Redis is away: it expires by itself).
    pub async fn release_upload(&self, keys: &[String], member: &str) {
        let mut pipe = ::redis::pipe();
        for key in keys {
            pipe.zrem(format!("{PREFIX}holds:{key}"), member).ignore();
        }
        let result: Result<(), _> = pipe.query_async(&mut self.conn()).await;
        let _ = self.answered(result);
    }

    pub async fn spent_since(&self, keys: &[String], since: i64) -> Result<Vec<u64>, ApiError> {
        let since = since.to_string();
        let mut args = vec![since.as_str()];
        args.extend(keys.iter().map(String::as_str));
        let spent: Vec<i64> = self.run(&SPENT_SINCE, &args).await?;
        Ok(spent.into_iter().map(|s| s.max(0) as u64).collect())
    }

    pub async fn uploaded_file(&self, external: &str, file: &str) -> Result<bool, ApiError> {
        let result = self
            .conn()
            .sismember(format!("{PREFIX}fu:{external}"), file)
            .await;
        self.answered(result)
    }

    pub async fn may_download(&self, external: &str, s3_key: &str) -> Result<bool, ApiError> {
        let result = self
            .conn()
            .sismember(format!("{PREFIX}dl:{external}"), s3_key)
            .await;
        self.answered(result)
    }

    pub async fn mark_attached(&self, external: &str, files: &[String]) -> Result<(), ApiError> {
        let mut args = vec![external];
        args.extend(files.iter().map(String::as_str));
        self.run(&MARK_ATTACHED, &args).await
    }

    pub async fn unattached_uploads(
        &self,
        before: i64,
        limit: usize,
    ) -> Result<Vec<(String, String)>, ApiError> {
        let (before, limit) = (before.to_string(), limit.to_string());
        let flat: Vec<String> = self.run(&UNATTACHED_UPLOADS, &[&before, &limit]).await?;
        Ok(pairs(flat))
    }

    pub async fn revoke_files(&self, files: &[String]) -> Result<(), ApiError> {
        let args: Vec<&str> = files.iter().map(String::as_str).collect();
        self.run(&REVOKE_FILES, &args).await
    }

    // --- chats ---

    pub async fn start_chat(
        &self,
        external: &str,
        from: &str,
        to: &str,
        started_at: &str,
        parent: &str,
    ) -> Result<bool, ApiError> {
        let now = now_millis().to_string();
        let moved: i64 = self
            .run(&START_CHAT, &[external, from, to, started_at, parent, &now])
            .await?;
        Ok(moved == 1)
    }

    pub async fn chats(
        &self,
        external: &str,
        limit: usize,
    ) -> Result<(Vec<(String, String)>, Option<String>), ApiError> {
        let mut flat: Vec<String> = self.run(&CHATS, &[external]).await?;
        let current = (!flat.is_empty())
            .then(|| flat.remove(0))
            .filter(|c| !c.is_empty());
        let mut chats = pairs(flat);
        // Newest first; the same start (never in practice) by id, for a stable order.
        chats.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
        chats.truncate(limit);
        Ok((chats, current))
    }

    // --- history pages ---

    pub async fn page_starts(&self, conversation: &str) -> Result<Vec<String>, ApiError> {
        let result: Result<Vec<(usize, String)>, _> = self
            .conn()
            .hgetall(format!("{PREFIX}pages:{conversation}"))
            .await;
        let mut pages = self.answered(result)?;
        pages.sort_by_key(|(page, _)| *page);
        Ok(pages.into_iter().map(|(_, cursor)| cursor).collect())
    }

    pub async fn record_page_start(
        &self,
        conversation: &str,
        page: usize,
        cursor: &str,
    ) -> Result<(), ApiError> {
        let result: Result<i64, _> = self
            .conn()
            .hset_nx(format!("{PREFIX}pages:{conversation}"), page, cursor)
            .await;
        self.answered(result).map(drop)
    }

    pub async fn forget_pages(&self, conversation: &str) -> Result<(), ApiError> {
        let result: Result<i64, _> = self
            .conn()
            .del(format!("{PREFIX}pages:{conversation}"))
            .await;
        self.answered(result).map(drop)
    }

    // --- away flags and ratings ---

    pub async fn first_while_away(
        &self,
        conversation: &str,
        back_at: i64,
    ) -> Result<bool, ApiError> {
        // A stretch with no known return (negative: a two-week period) is kept four weeks.
        let lasts = if back_at >= 0 {
            (back_at - now_millis()).max(0)
        } else {
            28 * DAY_MILLIS
        };
        let result: Result<Option<String>, _> = ::redis::cmd("SET")
            .arg(format!("{PREFIX}away:{conversation}:{back_at}"))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(lasts + AWAY_KEPT_MILLIS)
            .query_async(&mut self.conn())
            .await;
        Ok(self.answered(result)?.is_some())
    }

    pub async fn forget_away(&self, conversation: &str, back_at: i64) -> Result<(), ApiError> {
        let result: Result<i64, _> = self
            .conn()
            .del(format!("{PREFIX}away:{conversation}:{back_at}"))
            .await;
        self.answered(result).map(drop)
    }

    pub async fn take_rating(&self, conversation: &str) -> Result<bool, ApiError> {
        let result: Result<bool, _> = self
            .conn()
            .set_nx(format!("{PREFIX}rated:{conversation}"), now_millis())
            .await;
        self.answered(result)
    }

    pub async fn give_back_rating(&self, conversation: &str) -> Result<(), ApiError> {
        let result: Result<i64, _> = self
            .conn()
            .del(format!("{PREFIX}rated:{conversation}"))
            .await;
        self.answered(result).map(drop)
    }

    // --- idempotency keys ---

    pub async fn claim_idempotency_key(
        &self,
        external: &str,
        key: &str,
        body_hash: &str,
    ) -> Result<Idempotency, ApiError> {
        let record = idempotency_record(external, key);
        let in_flight = IN_FLIGHT_EXPIRY_MILLIS.to_string();
        let reply: Vec<String> = self
            .run(&CLAIM_IDEMPOTENCY_KEY, &[&record, body_hash, &in_flight])
            .await?;
        Ok(match reply.first().map(String::as_str) {
            Some("claimed") => Idempotency::Claimed,
            Some("other") => Idempotency::OtherBody,
            Some("done") => Idempotency::Done(reply.get(1).cloned().unwrap_or_default()),
            _ => Idempotency::InFlight,
        })
    }

    pub async fn finish_idempotency_key(
        &self,
        external: &str,
        key: &str,
        body_hash: &str,
        response: Option<&str>,
    ) -> Result<(), ApiError> {
        let record = idempotency_record(external, key);
        let day = DAY_MILLIS.to_string();
        self.run(
            &FINISH_IDEMPOTENCY_KEY,
            &[&record, body_hash, response.unwrap_or(""), &day],
        )
        .await
    }

    // --- sign-in states ---

    pub async fn start_sign_in(
        &self,
        state_hash: &str,
        state: &SignInState,
    ) -> Result<(), ApiError> {
        let (expires, now) = (state.expires_at.to_string(), now_millis().to_string());
        self.run(
            &START_SIGN_IN,
            &[
                state_hash,
                &state.browser_hash,
                &expires,
                &now,
                &state.external_id,
                &state.conversation_id,
                &state.message_id,
                &state.suggestion,
                &state.lang,
            ],
        )
        .await
    }

    pub async fn sign_in_waiting(
        &self,
        browser_hash: &str,
        external: &str,
    ) -> Result<bool, ApiError> {
        let now = now_millis().to_string();
        let waiting: i64 = self
            .run(&SIGN_IN_WAITING, &[browser_hash, external, &now])
            .await?;
        Ok(waiting == 1)
    }

    pub async fn take_sign_in(
        &self,
        state_hash: &str,
        browser_hash: &str,
    ) -> Result<Option<SignInState>, ApiError> {
        let now = now_millis().to_string();
        let taken: Option<Vec<String>> = self
            .run(&TAKE_SIGN_IN, &[state_hash, browser_hash, &now])
            .await?;
        Ok(taken.and_then(|fields| {
            let [external_id, conversation_id, message_id, suggestion, lang, expires_at]: [String;
                6] = fields.try_into().ok()?;
            Some(SignInState {
                external_id,
                conversation_id,
                message_id,
                suggestion,
                lang,
                expires_at: expires_at.parse().ok()?,
                browser_hash: browser_hash.to_owned(),
            })
        }))
    }
}

/// The record of a visitor's `Idempotency-Key`: the visitor's id is hashed, so no visitor id
/// and key (both may hold ':') can spell another visitor's record.
fn idempotency_record(external: &str, key: &str) -> String {
    use sha2::{Digest, Sha256};
    let visitor = Sha256::digest(external.as_bytes());
    let hex: String = visitor.iter().map(|b| format!("{b:02x}")).collect();
    format!("{PREFIX}idem:{hex}:{key}")
}

/// `[a, b, c, d]` → `[(a, b), (c, d)]`.
fn pairs(flat: Vec<String>) -> Vec<(String, String)> {
    let mut flat = flat.into_iter();
    std::iter::from_fn(|| Some((flat.next()?, flat.next()?))).collect()
}

/// What every script shares: the key prefix and the steps several changes take.
const PRELUDE: &str = r#"
local P = 'c360:'
local function grant(ext, conv, now)
  redis.call('HSET', P..'g:'..ext, conv, now)
  redis.call('SADD', P..'gby:'..conv, ext)
  if string.sub(ext, 1, 6) == 'guest_' and redis.call('EXISTS', P..'kept:'..conv) == 0 then
    redis.call('ZADD', P..'idle', now, conv)
  end
end
local function current(ext)
  local cur = redis.call('GET', P..'cur:'..ext)
  if cur and redis.call('HEXISTS', P..'g:'..ext, cur) == 1 then return cur end
  return false
end
local function set_current(ext, conv)
  redis.call('SET', P..'cur:'..ext, conv)
  redis.call('SADD', P..'chatby:'..conv, ext)
end
local function record_chat(ext, conv, started)
  redis.call('HSETNX', P..'chats:'..ext, conv, started)
  redis.call('SADD', P..'chatby:'..conv, ext)
end
local function keep(conv)
  if redis.call('EXISTS', P..'gby:'..conv) == 1 then
    redis.call('SET', P..'kept:'..conv, '1')
    redis.call('ZREM', P..'idle', conv)
  end
end
local function revoke_conversation(conv)
  for _, ext in ipairs(redis.call('SMEMBERS', P..'gby:'..conv)) do
    redis.call('HDEL', P..'g:'..ext, conv)
  end
  for _, ext in ipairs(redis.call('SMEMBERS', P..'chatby:'..conv)) do
    redis.call('HDEL', P..'chats:'..ext, conv)
    if redis.call('GET', P..'cur:'..ext) == conv then redis.call('DEL', P..'cur:'..ext) end
  end
  redis.call('DEL', P..'gby:'..conv, P..'chatby:'..conv, P..'kept:'..conv, P..'pages:'..conv)
  redis.call('ZREM', P..'idle', conv)
end
local function grant_file(ext, id, key, uploaded)
  -- The first key a file was granted under stays its only one (as in SQLite).
  if redis.call('HSETNX', P..'f:'..ext, id, key) == 1 then
    redis.call('SADD', P..'dl:'..ext, key)
  end
  redis.call('SADD', P..'fby:'..id, ext)
  redis.call('SET', P..'fkey:'..id, key, 'NX')
  if uploaded then redis.call('SADD', P..'fu:'..ext, id) end
end
local function revoke_file(id)
  for _, ext in ipairs(redis.call('SMEMBERS', P..'fby:'..id)) do
    local key = redis.call('HGET', P..'f:'..ext, id)
    redis.call('HDEL', P..'f:'..ext, id)
    redis.call('SREM', P..'fu:'..ext, id)
    if key then redis.call('SREM', P..'dl:'..ext, key) end
  end
  redis.call('DEL', P..'fby:'..id, P..'fkey:'..id, P..'att:'..id)
  redis.call('ZREM', P..'unattached', id)
end
-- A guest signed in as `known`: what the guest could reach becomes known's alone.
local function merge(guest, known)
  redis.call('SET', P..'merged:'..guest, known, 'NX')
  local g = redis.call('HGETALL', P..'g:'..guest)
  for i = 1, #g, 2 do
    redis.call('HSETNX', P..'g:'..known, g[i], g[i + 1])
    redis.call('SREM', P..'gby:'..g[i], guest)
    redis.call('SADD', P..'gby:'..g[i], known)
    if string.sub(known, 1, 6) ~= 'guest_' then redis.call('ZREM', P..'idle', g[i]) end
  end
  local f = redis.call('HGETALL', P..'f:'..guest)
  for i = 1, #f, 2 do
    local id, key = f[i], f[i + 1]
    if redis.call('HSETNX', P..'f:'..known, id, key) == 1 then
      redis.call('SADD', P..'dl:'..known, key)
    end
    redis.call('SREM', P..'fby:'..id, guest)
    redis.call('SADD', P..'fby:'..id, known)
    if redis.call('SISMEMBER', P..'fu:'..guest, id) == 1 then
      redis.call('SADD', P..'fu:'..known, id)
    end
  end
  local c = redis.call('HGETALL', P..'chats:'..guest)
  for i = 1, #c, 2 do
    redis.call('HSETNX', P..'chats:'..known, c[i], c[i + 1])
    redis.call('SREM', P..'chatby:'..c[i], guest)
    redis.call('SADD', P..'chatby:'..c[i], known)
  end
  redis.call('DEL', P..'g:'..guest, P..'f:'..guest, P..'fu:'..guest, P..'dl:'..guest,
    P..'chats:'..guest, P..'cur:'..guest)
end
"#;

/// A script of [`PRELUDE`] and `body`, hashed once.
fn script(body: &str) -> Script {
    Script::new(&format!("{PRELUDE}\n{body}"))
}

macro_rules! scripts {
    ($($name:ident = $body:expr;)*) => {
        $(static $name: LazyLock<Script> = LazyLock::new(|| script($body));)*
    };
}

scripts! {
    // ARGV: lease (ms), then (conversation, owner, '1' when a visitor looks here) for each.
    // Returns, for each, 1 when the owner holds the lease, and 1 when a visitor looks at the
    // conversation on another replica (told by replicas that do not hold it).
    LEAD = r#"
local out = {}
for i = 2, #ARGV, 3 do
  local lease, looking = P..'poll:'..ARGV[i], P..'looking:'..ARGV[i]
  local holder = redis.call('GET', lease)
  if holder == ARGV[i + 1] or not holder then
    redis.call('SET', lease, ARGV[i + 1], 'PX', ARGV[1])
    out[#out + 1] = 1
    out[#out + 1] = redis.call('EXISTS', looking)
  else
    if ARGV[i + 2] == '1' then redis.call('SET', looking, '1', 'PX', ARGV[1]) end
    out[#out + 1] = 0
    out[#out + 1] = 0
  end
end
return out
"#;
    RELEASE = r#"
if redis.call('GET', ARGV[1]) == ARGV[2] then redis.call('DEL', ARGV[1]) end
"#;
    // ARGV: bucket key, burst, milliseconds per token. Returns 0, or milliseconds to wait.
    TAKE_TOKEN = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local burst, per = tonumber(ARGV[2]), tonumber(ARGV[3])
local b = redis.call('HMGET', ARGV[1], 'tokens', 'last')
local tokens, last = tonumber(b[1]) or burst, tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - last) / per)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * per) end
redis.call('HSET', ARGV[1], 'tokens', tostring(tokens), 'last', now)
redis.call('PEXPIRE', ARGV[1], burst * per + 1000)
return wait
"#;
    // ARGV: visitor, conversation. Returns {granted 0/1, current chat or ''}.
    ACCESS = r#"
return {redis.call('HEXISTS', P..'g:'..ARGV[1], ARGV[2]), current(ARGV[1]) or ''}
"#;
    // ARGV: known, top, started at, merged guest or '', now.
    OPEN_SESSION = r#"
local known, top, now = ARGV[1], ARGV[2], ARGV[5]
grant(known, top, now)
if ARGV[4] ~= '' then merge(ARGV[4], known) end
record_chat(known, top, ARGV[3])
local cur = current(known)
if cur and cur ~= top then
  grant(known, cur, now)
  return cur
end
set_current(known, top)
return false
"#;
    // ARGV: visitor, their deleted current chat, their top-level conversation.
    FALL_BACK_TO_TOP = "revoke_conversation(ARGV[2]) set_current(ARGV[1], ARGV[3])";
    REVOKE_CONVERSATIONS = "for _, conv in ipairs(ARGV) do revoke_conversation(conv) end";
    KEEP = "keep(ARGV[1])";
    // ARGV: visitor, then file id and s3 key pairs.
    GRANT_SHOWN_FILES = r#"
for i = 2, #ARGV, 2 do grant_file(ARGV[1], ARGV[i], ARGV[i + 1], false) end
"#;
    // ARGV: visitor, now, nonce, file count, (id, s3 key, size) per file, then quota keys.
    RECORD_UPLOADS = r#"
local ext, now, nonce, count = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
for i = 0, count - 1 do
  local id, key, size = ARGV[5 + 3 * i], ARGV[6 + 3 * i], ARGV[7 + 3 * i]
  grant_file(ext, id, key, true)
  if redis.call('EXISTS', P..'att:'..id) == 0 then redis.call('ZADD', P..'unattached', now, id) end
  for q = 5 + 3 * count, #ARGV do
    local ledger = P..'ledger:'..ARGV[q]
    redis.call('ZADD', ledger, now, now..':'..nonce..':'..i..':'..size)
    redis.call('PEXPIRE', ledger, 86400000)
  end
end
"#;
    // ARGV: since, then quota keys. Returns the bytes spent under each.
    SPENT_SINCE = r#"
local spent = {}
for q = 2, #ARGV do
  local ledger = P..'ledger:'..ARGV[q]
  redis.call('ZREMRANGEBYSCORE', ledger, '-inf', '('..ARGV[1])
  local total = 0
  for _, entry in ipairs(redis.call('ZRANGE', ledger, 0, -1)) do
    total = total + tonumber(string.match(entry, ':(%d+)$'))
  end
  spent[#spent + 1] = total
end
return spent
"#;
    // ARGV: since, now, hold ttl (ms), nonce, declared length or '', key count n, the n quota
    // keys, their n limits. Returns {bytes left, bytes held (0: none)}.
    HOLD_UPLOAD = r#"
local since, now, ttl, nonce, declared = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
local n = tonumber(ARGV[6])
local function bytes(entries)
  local total = 0
  for _, entry in ipairs(entries) do total = total + tonumber(string.match(entry, ':(%d+)$')) end
  return total
end
local left = nil
for i = 1, n do
  local ledger, holds = P..'ledger:'..ARGV[6 + i], P..'holds:'..ARGV[6 + i]
  redis.call('ZREMRANGEBYSCORE', ledger, '-inf', '('..since)
  redis.call('ZREMRANGEBYSCORE', holds, '-inf', '('..now)
  local spent = bytes(redis.call('ZRANGE', ledger, 0, -1)) + bytes(redis.call('ZRANGE', holds, 0, -1))
  local this = math.max(0, tonumber(ARGV[6 + n + i]) - spent)
  if not left or this < left then left = this end
end
if not left or left == 0 then return {0, 0} end
local hold = left
if declared ~= '' and tonumber(declared) < hold then hold = tonumber(declared) end
if hold <= 0 then return {left, 0} end
for i = 1, n do
  local holds = P..'holds:'..ARGV[6 + i]
  redis.call('ZADD', holds, now + ttl, nonce..':'..string.format('%d', hold))
  redis.call('PEXPIRE', holds, ttl)
end
return {left, hold}
"#;
    // ARGV: visitor, then file ids.
    MARK_ATTACHED = r#"
for i = 2, #ARGV do
  if redis.call('HEXISTS', P..'f:'..ARGV[1], ARGV[i]) == 1 then
    redis.call('SET', P..'att:'..ARGV[i], '1')
    redis.call('ZREM', P..'unattached', ARGV[i])
  end
end
"#;
    // ARGV: before, limit. Returns file id and s3 key pairs, oldest first.
    UNATTACHED_UPLOADS = r#"
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P..'unattached', '-inf', '('..ARGV[1], 'LIMIT', 0, ARGV[2])) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('GET', P..'fkey:'..id) or ''
end
return out
"#;
    REVOKE_FILES = "for _, id in ipairs(ARGV) do revoke_file(id) end";
    // ARGV: visitor, from, to, started at, parent, now. Returns 1 when moved.
    START_CHAT = r#"
local ext, to, now = ARGV[1], ARGV[3], ARGV[6]
if redis.call('GET', P..'cur:'..ext) ~= ARGV[2] then return 0 end
set_current(ext, to)
grant(ext, to, now)
record_chat(ext, to, ARGV[4])
keep(ARGV[5])
return 1
"#;
    // ARGV: visitor. Returns {current or '', then conversation and start pairs of granted chats}.
    CHATS = r#"
local ext = ARGV[1]
local out = {current(ext) or ''}
local c = redis.call('HGETALL', P..'chats:'..ext)
for i = 1, #c, 2 do
  if redis.call('HEXISTS', P..'g:'..ext, c[i]) == 1 then
    out[#out + 1] = c[i]
    out[#out + 1] = c[i + 1]
  end
end
return out
"#;
    // ARGV: record key, body hash, in-flight expiry (ms).
    CLAIM_IDEMPOTENCY_KEY = r#"
if redis.call('EXISTS', ARGV[1]) == 0 then
  redis.call('HSET', ARGV[1], 'h', ARGV[2])
  redis.call('PEXPIRE', ARGV[1], ARGV[3])
  return {'claimed'}
end
local r = redis.call('HMGET', ARGV[1], 'h', 'r')
if r[1] and r[1] ~= '' and r[1] ~= ARGV[2] then return {'other'} end
if r[2] then return {'done', r[2]} end
return {'inflight'}
"#;
    // ARGV: record key, body hash, response ('' to release the claim), a day (ms). Only the
    // claim of this body is answered or released: a claim that expired meanwhile (the send
    // took over a minute) and was taken again, for another body, is left alone.
    FINISH_IDEMPOTENCY_KEY = r#"
local claimed = redis.call('HGET', ARGV[1], 'h')
-- A claim that expired during a long send and was not taken again: its reply still stands.
if not claimed and ARGV[3] ~= '' then redis.call('HSET', ARGV[1], 'h', ARGV[2]) claimed = ARGV[2] end
if claimed ~= ARGV[2] then return end
if ARGV[3] == '' then
  redis.call('DEL', ARGV[1])
else
  redis.call('HSET', ARGV[1], 'r', ARGV[3])
  redis.call('PEXPIRE', ARGV[1], ARGV[4])
end
"#;
    // ARGV: state hash, browser hash, expires at, now, visitor, conversation, message,
    // suggestion, lang.
    START_SIGN_IN = r#"
local state, browser = P..'oauth:'..ARGV[1], P..'oauthb:'..ARGV[2]
redis.call('HSET', state, 'ext', ARGV[5], 'conv', ARGV[6], 'msg', ARGV[7], 'sug', ARGV[8],
  'lang', ARGV[9], 'exp', ARGV[3], 'browser', ARGV[2])
-- Kept a minute past its expiry: the take checks the expiry itself, to the millisecond.
redis.call('PEXPIREAT', state, tonumber(ARGV[3]) + 60000)
redis.call('ZREMRANGEBYSCORE', browser, '-inf', '('..ARGV[4])
redis.call('ZADD', browser, ARGV[3], ARGV[1])
redis.call('PEXPIREAT', browser, tonumber(ARGV[3]) + 60000)
"#;
    // ARGV: browser hash, visitor, now. Returns 1 when one of theirs is waiting.
    SIGN_IN_WAITING = r#"
for _, h in ipairs(redis.call('ZRANGEBYSCORE', P..'oauthb:'..ARGV[1], ARGV[3], '+inf')) do
  if redis.call('HGET', P..'oauth:'..h, 'ext') == ARGV[2] then return 1 end
end
return 0
"#;
    // ARGV: state hash, browser hash, now. Returns the state's fields once, or nil.
    TAKE_SIGN_IN = r#"
local state = P..'oauth:'..ARGV[1]
local f = redis.call('HMGET', state, 'ext', 'conv', 'msg', 'sug', 'lang', 'exp', 'browser')
if not f[1] or f[7] ~= ARGV[2] or tonumber(f[6]) < tonumber(ARGV[3]) then return false end
redis.call('DEL', state)
redis.call('ZREM', P..'oauthb:'..ARGV[2], ARGV[1])
return {f[1], f[2], f[3], f[4], f[5], f[6]}
"#;
}
