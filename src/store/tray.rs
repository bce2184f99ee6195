//! The composer's tray: files checked, uploaded (cancellable) and attached to the next
//! message; refusals explained for a while; stored files fetched for previews.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::alarm::sleep;
use super::attachments;
use super::session::Renew;
use super::{new_sequence, Chat};
use crate::api::ApiError;

/// An attachment refusal shows this long unless dismissed or replaced.
pub(super) const TRAY_NOTICE_MS: u32 = 15_000;

/// A file in the composer's tray.
#[derive(Debug, Clone, PartialEq)]
pub struct TrayFile {
    pub id: u32,
    pub name: String,
    pub size: f64,
    pub state: TrayState,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TrayState {
    /// Uploading; progress in `[0, 1]`.
    Uploading(f64),
    Ready(connect360_model::wire::FileRef),
    Failed,
}

impl TrayState {
    /// What the tray's row shows of the state, as a list key: a new key redraws the row.
    pub fn key(&self) -> String {
        match self {
            TrayState::Uploading(progress) => format!("u{}", (progress * 100.0).round() as u32),
            TrayState::Ready(file) => format!("r{}", file.id),
            TrayState::Failed => "f".into(),
        }
    }
}

impl Chat {
    /// The uploaded files of the tray; `None` while one is still uploading.
    pub(super) fn ready_files(&self) -> Option<Vec<connect360_model::wire::FileRef>> {
        self.tray.with_untracked(|tray| {
            let mut ready = Vec::new();
            for file in tray {
                match &file.state {
                    TrayState::Uploading(_) => return None,
                    TrayState::Ready(file) => ready.push(file.clone()),
                    TrayState::Failed => {}
                }
            }
            Some(ready)
        })
    }

    /// Whether the tray holds an upload still under way (sending waits for it).
    pub fn uploading(&self) -> bool {
        self.tray
            .with(|t| t.iter().any(|f| matches!(f.state, TrayState::Uploading(_))))
    }

    /// Checks and uploads files the visitor chose, dropped or pasted; refusals are explained
    /// in [`Chat::tray_notice`] and nothing of them is sent.
    pub fn attach(&self, files: Vec<web_sys::File>) {
        let lang = self.lang();
        for file in files {
            let already = self.tray.with_untracked(Vec::len);
            if let Err(refusal) = attachments::check(&file.type_(), file.size(), already) {
                self.refuse_attachment(crate::i18n::attachment_refusal(
                    &refusal,
                    &file.name(),
                    lang,
                ));
                continue;
            }
            let id = new_sequence(&self.inner().sequence);
            self.tray.update(|t| {
                t.push(TrayFile {
                    id,
                    name: file.name(),
                    size: file.size(),
                    state: TrayState::Uploading(0.0),
                })
            });
            let chat = *self;
            spawn_local(async move { chat.upload(id, file).await });
        }
    }

    pub(super) async fn upload(&self, id: u32, file: web_sys::File) {
        let set = move |chat: &Chat, state: TrayState| {
            chat.tray.try_update(|t| {
                if let Some(f) = t.iter_mut().find(|f| f.id == id) {
                    f.state = state;
                }
            });
        };
        let Ok(inner) = self.alive() else {
            return;
        };
        let name = file.name();
        let session = match self.session(Renew::IfStale).await {
            Ok(session) => session,
            Err(_) => return set(self, TrayState::Failed),
        };
        let chat = *self;
        let started = inner.api.upload(&session.token, &file, move |progress| {
            set(&chat, TrayState::Uploading(progress));
        });
        let (upload, done) = match started {
            Ok(started) => started,
            Err(_) => return set(self, TrayState::Failed),
        };
        inner.uploads.borrow_mut().push((id, upload));
        let result = done.await;
        inner.uploads.borrow_mut().retain(|(i, _)| *i != id);
        match result {
            Ok(file) => set(self, TrayState::Ready(file)),
            Err(error) => {
                // The gateway's reason, in the visitor's language, where there is one.
                if let ApiError::Http { status, .. } = error {
                    if let Some(refusal) = attachments::server_refusal(status) {
                        self.refuse_attachment(crate::i18n::attachment_refusal(
                            &refusal,
                            &name,
                            inner.config.lang,
                        ));
                    }
                }
                set(self, TrayState::Failed)
            }
        }
    }

    /// Cancels a file's upload (if under way) and takes it out of the tray.
    pub fn remove_attachment(&self, id: u32) {
        let inner = self.inner();
        if let Some((_, upload)) = inner.uploads.borrow().iter().find(|(i, _)| *i == id) {
            upload.cancel();
        }
        self.tray.update(|t| t.retain(|f| f.id != id));
    }

    /// A stored file's bytes, for previews and downloads.
    pub async fn download(&self, s3_key: &str) -> Result<web_sys::Blob, ApiError> {
        self.authorised(|api, session| {
            let key = s3_key.to_owned();
            async move { api.download(&session.token, &key).await }
        })
        .await
    }

    /// A stored file's size in bytes, when the gateway says.
    pub async fn file_size(&self, s3_key: &str) -> Result<Option<f64>, ApiError> {
        self.authorised(|api, session| {
            let key = s3_key.to_owned();
            async move { api.file_size(&session.token, &key).await }
        })
        .await
    }

    /// Hides the attachment refusal notice (its dismiss button, or a while after it showed).
    pub fn dismiss_tray_notice(&self) {
        self.tray_notice.try_set(None);
    }

    /// Shows why a file was not attached, for a while or until dismissed.
    pub(super) fn refuse_attachment(&self, text: String) {
        self.tray_notice.try_set(Some(text.clone()));
        let chat = *self;
        spawn_local(async move {
            sleep(TRAY_NOTICE_MS).await;
            // A newer notice stays for its own while.
            if chat.tray_notice.try_get_untracked().flatten().as_ref() == Some(&text) {
                chat.dismiss_tray_notice();
            }
        });
    }
}
