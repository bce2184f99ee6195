//! Attachments: the composer's tray (name, size, progress, remove/cancel, why a file was
//! refused), and received files — pictures as previews and other files as chips that
//! download. Files come through the gateway's asset route with the visitor token, so they
//! are fetched and shown from `blob:` URLs the widget made itself.

use connect360_model::wire::FileRef;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::i18n::Text;
use crate::store::attachments::{file_kind, human_size};
use crate::store::{Chat, TrayState};

on_demand_view! {
    /// The tray, in a module of its own in the split build: drawn once a file is chosen.
    pub fn tray_view() {
        view! { <Tray/> }.into_any()
    }
}

on_demand_view! {
    /// A message's files, in a module of its own in the split build.
    pub fn received_files_view(files: Vec<FileRef>) {
        view! { <ReceivedFiles files=files/> }.into_any()
    }
}

/// The files chosen for the next message.
#[component]
fn Tray() -> impl IntoView {
    let chat = expect_context::<Chat>();
    let panel = use_context::<crate::ui::PanelState>();
    let lang = chat.lang();
    view! {
        <Show when=move || chat.tray_notice.with(Option::is_some)>
            <div class="c360-notice-band">
                <p class="c360-notice" role="alert">{move || chat.tray_notice.get().unwrap_or_default()}</p>
                <button
                    type="button"
                    class="c360-notice-dismiss"
                    aria-label=Text::Dismiss.get(lang)
                    on:click=move |_| {
                        chat.dismiss_tray_notice();
                        // The button goes with the notice: focus goes on in the composer.
                        if let Some(panel) = panel {
                            panel.focus_composer();
                        }
                    }
                >
                    <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                        <path d="M6 6l12 12M18 6L6 18"></path>
                    </svg>
                </button>
            </div>
        </Show>
        <ul class="c360-tray" hidden=move || chat.tray.with(Vec::is_empty)>
            <For each=move || chat.tray.get() key=|f| (f.id, f.state.key()) let:file>
                <li class="c360-tray-file" class:c360-tray-file--failed=matches!(file.state, TrayState::Failed)>
                    <span class="c360-tray-name">{file.name.clone()}</span>
                    <span class="c360-tray-size">
                        {match file.state {
                            TrayState::Uploading(p) => format!("{}%", (p * 100.0).round() as u32),
                            TrayState::Ready(_) => human_size(file.size),
                            TrayState::Failed => Text::UploadFailed.get(lang).to_owned(),
                        }}
                    </span>
                    {match file.state {
                        TrayState::Uploading(p) => view! {
                            <progress class="c360-progress" max="100" value=(p * 100.0).round().to_string()></progress>
                        }
                        .into_any(),
                        _ => ().into_any(),
                    }}
                    <button
                        type="button"
                        class="c360-tray-remove"
                        aria-label=format!("{} {}", Text::RemoveFile.get(lang), file.name)
                        on:click=move |_| chat.remove_attachment(file.id)
                    >
                        "×"
                    </button>
                </li>
            </For>
        </ul>
    }
}

/// The files of a received message.
#[component]
fn ReceivedFiles(files: Vec<FileRef>) -> impl IntoView {
    files
        .into_iter()
        .map(|file| {
            if file.mime_type.starts_with("image/") {
                view! { <FilePreview file=file/> }.into_any()
            } else {
                view! { <FileChip file=file/> }.into_any()
            }
        })
        .collect_view()
}

/// A picture, fetched with the token and shown from a `blob:` URL.
#[component]
fn FilePreview(file: FileRef) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let src = RwSignal::new(None::<String>);
    let key = file.s3_key.clone();
    spawn_local(async move {
        if let Ok(blob) = chat.download(&key).await {
            if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
                src.try_set(Some(url));
            }
        }
    });
    let name = file.name.clone();
    view! {
        <span class="c360-image-box c360-file-preview">
            {move || match src.get() {
                Some(url) => view! { <img class="c360-image c360-image--contain" src=url alt=name.clone()/> }.into_any(),
                None => view! { <span class="c360-image-missing">{name.clone()}</span> }.into_any(),
            }}
        </span>
    }
}

/// A file that downloads when activated.
#[component]
fn FileChip(file: FileRef) -> impl IntoView {
    let chat = expect_context::<Chat>();
    let lang = chat.lang();
    let kind = file_kind(&file.name, &file.mime_type);
    // "PDF · 390 B" once the gateway says how large it is; "PDF" until then.
    let size = RwSignal::new(None::<f64>);
    {
        let key = file.s3_key.clone();
        spawn_local(async move {
            if let Ok(Some(bytes)) = chat.file_size(&key).await {
                size.try_set(Some(bytes));
            }
        });
    }
    let details = move || match size.get() {
        Some(bytes) => format!("{kind} · {}", human_size(bytes)),
        None => kind.clone(),
    };
    let name_for_label = file.name.clone();
    let label = {
        let details = details.clone();
        move || {
            format!(
                "{} {name_for_label}, {}",
                Text::Download.get(lang),
                details()
            )
        }
    };
    let (key, name) = (file.s3_key.clone(), file.name.clone());
    view! {
        <button
            type="button"
            class="c360-file"
            aria-label=label
            on:click=move |_| {
                let (key, name) = (key.clone(), name.clone());
                spawn_local(async move {
                    if let Ok(blob) = chat.download(&key).await {
                        save(&blob, &name);
                    }
                });
            }
        >
            <span class="c360-file-name">{file.name.clone()}</span>
            <span class="c360-file-type">{details}</span>
        </button>
    }
}

/// Hands a blob to the browser as a download named `name`.
fn save(blob: &web_sys::Blob, name: &str) {
    let Ok(url) = web_sys::Url::create_object_url_with_blob(blob) else {
        return;
    };
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if let Ok(anchor) = document.create_element("a") {
        let anchor: web_sys::HtmlAnchorElement = anchor.unchecked_into();
        anchor.set_href(&url);
        anchor.set_download(name);
        anchor.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// The files of a drag, a paste or a file input.
pub fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.item(i)).collect()
}
