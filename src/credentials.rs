//! Credentials never leave (ARCHITECTURE.md §10): exec credential plugin
//! arguments and environment, bearer tokens, client keys and passwords
//! reach no output, no log and no audit record.
//!
//! Two mechanisms:
//!
//! - **The plugin guard.** kube runs an exec plugin with the arguments and
//!   environment of the kubeconfig, and on failure puts the whole command
//!   (its environment included) and the plugin's stdout and stderr into the
//!   error, which is then displayed and logged (kube-runtime logs watcher
//!   errors at debug level). So tenantry never hands the plugin to kube:
//!   [`guard_exec_plugin`] replaces it with `tenantry credential-plugin
//!   --user=NAME`, which reads the real plugin from the same kubeconfig and
//!   runs it ([`run_plugin`]) without a terminal (stdin empty, stdout and
//!   stderr captured, in a session of its own, so it cannot open
//!   `/dev/tty` either: a token refresh while the console holds the screen
//!   cannot draw into it). On failure the guard prints one line: the
//!   plugin's name, its exit status and the first line of its stderr,
//!   sanitized, with the plugin's arguments and environment values masked.
//!   That line is all kube ever sees.
//! - **Redaction.** Tokens, passwords and client keys of the kubeconfig user
//!   are remembered ([`remember_secrets`]) and masked as `***` by the log
//!   writer, on stderr and in audit records ([`redact`]), should any library
//!   ever print one.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;
use std::sync::RwLock;

use anyhow::{Context, Result};
use kube::config::{AuthInfo, ExecConfig, ExecInteractiveMode, Kubeconfig};
use secrecy::ExposeSecret;

use crate::model::text::{sanitize, sanitize_text};

/// The hidden subcommand the guard runs as.
pub const PLUGIN_SUBCOMMAND: &str = "credential-plugin";

/// What stands for a secret in any output.
pub const MASK: &str = "***";

/// Shorter strings are not masked: they would mask ordinary words.
const SHORTEST_SECRET: usize = 6;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

fn remember(secret: &str) {
    let secret = secret.trim();
    if secret.chars().count() < SHORTEST_SECRET {
        return;
    }
    if let Ok(mut secrets) = SECRETS.write()
        && !secrets.iter().any(|s| s == secret)
    {
        secrets.push(secret.to_string());
        // Longest first, so a secret that contains another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// Remembers the user entry's token (inline or from its token file),
/// password and client key, for [`redact`].
pub fn remember_secrets(auth: &AuthInfo) {
    for secret in [&auth.token, &auth.password, &auth.client_key_data]
        .into_iter()
        .flatten()
    {
        remember(secret.expose_secret());
    }
    if let Some(path) = &auth.token_file
        && let Ok(token) = std::fs::read_to_string(path)
    {
        remember(&token);
    }
}

/// Masks every remembered secret in `text`.
pub fn redact(text: &str) -> Cow<'_, str> {
    let Ok(secrets) = SECRETS.read() else {
        return Cow::Borrowed(text);
    };
    mask_all(text, secrets.iter().map(String::as_str))
}

fn mask_all<'a, 's>(text: &'a str, secrets: impl Iterator<Item = &'s str>) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    for secret in secrets {
        if !secret.is_empty() && out.contains(secret) {
            out = Cow::Owned(out.replace(secret, MASK));
        }
    }
    out
}

/// A text tenantry composed, made fit for stderr: sanitized (line breaks
/// kept) and with remembered secrets masked.
pub fn inert(text: &str) -> String {
    redact(&sanitize_text(text)).into_owned()
}

/// Replaces the exec plugin of `config` (if it has one) with the guard:
/// tenantry itself, which runs the real plugin as [`run_plugin`] says.
/// `kubeconfig` is the file the guard reads the plugin from (None: the
/// default, `KUBECONFIG` or `~/.kube/config`, as for this process); `user`
/// the kubeconfig user entry. Returns the plugin's name.
pub fn guard_exec_plugin(
    config: &mut kube::Config,
    kubeconfig: Option<&Path>,
    user: &str,
) -> Result<Option<String>> {
    let Some(exec) = config.auth_info.exec.as_mut() else {
        return Ok(None);
    };
    let name = plugin_name(exec);
    let exe = std::env::current_exe()
        .context("finding tenantry's own executable, through which credential plugins run")?;
    let mut args = Vec::new();
    if let Some(path) = kubeconfig {
        let path = std::path::absolute(path)
            .with_context(|| format!("resolving the kubeconfig path {}", path.display()))?;
        let path = path
            .to_str()
            .context("the kubeconfig path is not UTF-8; credential plugins need it to be")?;
        args.push(format!("--kubeconfig={path}"));
    }
    args.push(PLUGIN_SUBCOMMAND.to_string());
    args.push(format!("--user={user}"));
    exec.command = Some(
        exe.to_str()
            .context("tenantry's own path is not UTF-8; credential plugins need it to be")?
            .to_string(),
    );
    exec.args = Some(args);
    exec.env = None;
    exec.drop_env = None;
    exec.interactive_mode = Some(ExecInteractiveMode::Never);
    Ok(Some(name))
}

/// The plugin's command without its directory: how messages name it.
fn plugin_name(exec: &ExecConfig) -> String {
    let command = exec.command.as_deref().unwrap_or("(no command)");
    let name = Path::new(command)
        .file_name()
        .map_or(command.into(), |n| n.to_string_lossy());
    sanitize(&name).into_owned()
}

/// `tenantry credential-plugin --user=NAME`: runs the user's exec plugin
/// from the kubeconfig without a terminal and relays its ExecCredential;
/// on failure prints one safe line to stderr and returns non-zero.
pub fn run_plugin(kubeconfig: Option<&Path>, user: &str) -> i32 {
    match plugin_credential(kubeconfig, user) {
        Ok(credential) => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(&credential).and_then(|()| stdout.flush()) {
                Ok(()) => 0,
                Err(_) => 1,
            }
        }
        Err((message, code)) => {
            eprintln!("{}", sanitize(&message));
            code
        }
    }
}

fn plugin_credential(kubeconfig: Option<&Path>, user: &str) -> Result<Vec<u8>, (String, i32)> {
    // The parent read this file a moment ago; a failure now is not quoted
    // (a parser's message may show a line of the file, token included).
    let config = match kubeconfig {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    }
    .map_err(|_| ("the kubeconfig could not be read again".to_string(), 1))?;
    let exec = config
        .auth_infos
        .iter()
        .find(|a| a.name == user)
        .and_then(|a| a.auth_info.as_ref())
        .and_then(|a| a.exec.as_ref())
        .ok_or_else(|| (format!("the kubeconfig user {user} has no exec plugin"), 1))?;
    let name = plugin_name(exec);
    let command = exec.command.as_deref().ok_or_else(|| {
        (
            format!("the exec plugin of user {user} names no command"),
            1,
        )
    })?;
    let mut cmd = std::process::Command::new(command);
    cmd.args(exec.args.iter().flatten());
    let mut hidden: Vec<&str> = exec.args.iter().flatten().map(String::as_str).collect();
    for var in exec.env.iter().flatten() {
        if let (Some(key), Some(value)) = (var.get("name"), var.get("value")) {
            cmd.env(key, value);
            hidden.push(value);
        }
    }
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe and touches no memory of
        // this process. A new session has no controlling terminal, so the
        // plugin cannot open /dev/tty.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let output = cmd.output().map_err(|err| {
        let hint = exec
            .install_hint
            .as_deref()
            .map(|h| format!(" ({})", h.trim()))
            .unwrap_or_default();
        (
            format!("the credential plugin {name} could not be started: {err}{hint}"),
            1,
        )
    })?;
    if !output.status.success() {
        let first = String::from_utf8_lossy(&output.stderr)
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|l| l.chars().take(300).collect::<String>())
            .unwrap_or_default();
        let first = mask_all(&first, longest_first(&hidden)).into_owned();
        let status = match (output.status.code(), exit_signal(&output.status)) {
            (Some(code), _) => format!("exit status {code}"),
            (None, Some(signal)) => format!("killed by signal {signal}"),
            (None, None) => "failed".to_string(),
        };
        let first = if first.is_empty() {
            String::new()
        } else {
            format!(": {first}")
        };
        let code = output.status.code().filter(|c| *c != 0).unwrap_or(1);
        return Err((
            format!("the credential plugin {name} failed ({status}){first}"),
            code,
        ));
    }
    // Only a credential goes back: anything else could quote a secret in
    // the parser's error.
    let answer: serde_json::Value =
        serde_saphyr::from_slice(&output.stdout).map_err(|_| (not_a_credential(&name), 1))?;
    if answer.get("status").is_none_or(|s| !s.is_object()) {
        return Err((not_a_credential(&name), 1));
    }
    Ok(output.stdout)
}

fn not_a_credential(name: &str) -> String {
    format!("the credential plugin {name} answered with something else than an ExecCredential")
}

fn longest_first<'a>(hidden: &[&'a str]) -> impl Iterator<Item = &'a str> {
    let mut hidden: Vec<&str> = hidden
        .iter()
        .copied()
        .filter(|h| h.chars().count() >= 4)
        .collect();
    hidden.sort_by_key(|h| std::cmp::Reverse(h.len()));
    hidden.into_iter()
}

fn exit_signal(status: &std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

/// What to say about a kube error: for a failed credential plugin the
/// guard's line (never the command kube ran, never the plugin's output),
/// otherwise the error itself; sanitized and with secrets masked.
pub fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    let text = credential_failure(err).unwrap_or_else(|| err.to_string());
    redact(&sanitize(&text)).into_owned()
}

/// The credential part of an error chain, told safely, if there is one.
pub fn credential_failure(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    use kube::client::AuthError;
    let mut link: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(current) = link {
        if let Some(auth) = current.downcast_ref::<AuthError>() {
            return Some(match auth {
                AuthError::AuthExecRun { out, .. } => {
                    let line = String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_string();
                    if line.is_empty() {
                        format!("the credential plugin failed ({})", out.status)
                    } else {
                        line
                    }
                }
                AuthError::AuthExecStart(err) => {
                    format!("the credential plugin could not be started: {err}")
                }
                AuthError::AuthExecParse(_) => {
                    "the credential plugin's answer could not be read".to_string()
                }
                AuthError::AuthExec(_) => "the credential plugin failed".to_string(),
                other => other.to_string(),
            });
        }
        link = current.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_secrets_are_masked_longest_first() {
        remember("s3cr3t-token-abcdef");
        remember("s3cr3t-token");
        remember("short");
        let text = "Bearer s3cr3t-token-abcdef and s3cr3t-token, short";
        assert_eq!(redact(text), "Bearer *** and ***, short");
        assert!(matches!(redact("nothing here"), Cow::Borrowed(_)));
        assert_eq!(inert("a\x1b[2J s3cr3t-token\nb"), "a\\u{1b}[2J ***\nb");
    }

    #[test]
    fn plugin_arguments_are_masked_in_its_message() {
        let hidden = ["--password=hunter2-secret", "get", "token-value-123"];
        let masked = mask_all(
            "bad --password=hunter2-secret: token-value-123 get",
            longest_first(&hidden),
        );
        assert_eq!(masked, "bad ***: *** get");
    }
}
