//! Mail templates: a subject, a plain-text and an HTML body per kind and language, built
//! in for English and German and overridable per tenant and language from a folder.
//!
//! Syntax, in all three parts:
//! - `{{name}}` is the parameter `name`, HTML-escaped in the HTML body. A template that
//!   names a parameter the mail lacks fails: a mail without its link is worse than none.
//! - `{{#name}}…{{/name}}` shows its inside only when `name` is given and not empty, for
//!   optional parameters such as `first_name`.
//! - `{{tenant}}` is the tenant's name unless the mail has a parameter of that name.
//!
//! The `.txt` file starts with a `Subject: …` line, then a blank line, then the body.
//!
//! For tenant `T`, language `ll_CC` and kind `K` the first of these wins:
//! `{dir}/T/ll_CC/K.*`, `{dir}/T/ll/K.*`, built-in `ll`, `{dir}/T/en/K.*`, built-in `en`.
//! A language the customer reads beats a tenant's own wording in another language.
//! Overrides are read once, at start: a broken one stops the start instead of every mail.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clientele_domain::mail::MailKind;
use clientele_domain::values::LanguageTag;

/// The language used when a mail has none, or none of its languages has a template.
pub const FALLBACK_LANGUAGE: &str = "en";

macro_rules! built_in {
    ($lang:literal, $kind:literal) => {
        (
            $lang,
            $kind,
            include_str!(concat!("../templates/", $lang, "/", $kind, ".txt")),
            include_str!(concat!("../templates/", $lang, "/", $kind, ".html")),
        )
    };
}

/// The built-in templates: (language, kind code, text source, HTML source).
const BUILT_IN: &[(&str, &str, &str, &str)] = &[
    built_in!("en", "signup_opt_in"),
    built_in!("en", "password_reset"),
    built_in!("en", "email_change_confirm"),
    built_in!("en", "password_changed"),
    built_in!("en", "invitation"),
    built_in!("de", "signup_opt_in"),
    built_in!("de", "password_reset"),
    built_in!("de", "email_change_confirm"),
    built_in!("de", "password_changed"),
    built_in!("de", "invitation"),
];

/// A template file that cannot be used; names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct TemplateError {
    pub path: PathBuf,
    pub reason: String,
}

/// A template needs a parameter the mail does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {template} needs the parameter `{param}`")]
pub struct RenderError {
    /// Which template, e.g. `built-in de/password_reset` or an override's path.
    pub template: String,
    pub param: String,
}

/// A rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The language of the template used, e.g. `de`.
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Param(String),
    /// Shown only when the parameter is given and not empty.
    Section(String, Vec<Piece>),
}

#[derive(Debug, Clone)]
struct Template {
    /// For errors: `built-in en/invitation` or the override's path.
    source: String,
    subject: Vec<Piece>,
    text: Vec<Piece>,
    html: Vec<Piece>,
}

impl Template {
    fn parse(source: String, text: &str, html: &str) -> Result<Template, (bool, String)> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let (first, body) = text.split_once('\n').unwrap_or((text, ""));
        let subject = first
            .trim_end_matches('\r')
            .strip_prefix("Subject:")
            .ok_or((false, "the first line must be `Subject: …`".to_owned()))?
            .trim();
        let body = body
            .strip_prefix("\r\n")
            .or_else(|| body.strip_prefix('\n'))
            .unwrap_or(body);
        Ok(Template {
            source,
            subject: parse(subject).map_err(|e| (false, e))?,
            text: parse(body).map_err(|e| (false, e))?,
            html: parse(html).map_err(|e| (true, e))?,
        })
    }
}

/// Every template the service can use: the built-in ones and a tenant's overrides.
#[derive(Debug, Clone)]
pub struct Templates {
    built_in: HashMap<(String, MailKind), Template>,
    overrides: HashMap<(String, String, MailKind), Template>,
}

impl Templates {
    /// The built-in templates only.
    pub fn built_in() -> Templates {
        let built_in = BUILT_IN
            .iter()
            .map(|(lang, code, text, html)| {
                let kind = MailKind::from_code(code).expect("built-in template of a known kind");
                let template = Template::parse(format!("built-in {lang}/{code}"), text, html)
                    .unwrap_or_else(|(_, e)| panic!("built-in template {lang}/{code}: {e}"));
                (((*lang).to_owned(), kind), template)
            })
            .collect();
        Templates {
            built_in,
            overrides: HashMap::new(),
        }
    }

    /// The built-in templates and the overrides in `dir`, laid out as
    /// `{tenant}/{language}/{kind}.txt` and `.html`. Files other than `.txt` and `.html`
    /// are ignored; every `.txt` needs its `.html` and the other way round.
    pub fn load(dir: &Path) -> Result<Templates, TemplateError> {
        let mut templates = Templates::built_in();
        for (tenant, tenant_dir) in subfolders(dir)? {
            for (language, language_dir) in subfolders(&tenant_dir)? {
                let tag = LanguageTag::parse(&language).map_err(|_| TemplateError {
                    path: language_dir.clone(),
                    reason: "is not a language folder such as `de` or `en_US`".into(),
                })?;
                for (kind, text_path, html_path) in template_files(&language_dir)? {
                    let (text, html) = (read(&text_path)?, read(&html_path)?);
                    let template = Template::parse(text_path.display().to_string(), &text, &html).map_err(
                        |(in_html, reason)| TemplateError {
                            path: if in_html { html_path.clone() } else { text_path.clone() },
                            reason,
                        },
                    )?;
                    templates
                        .overrides
                        .insert((tenant.clone(), tag.as_str().to_owned(), kind), template);
                }
            }
        }
        Ok(templates)
    }

    /// How many override templates were loaded.
    pub fn override_count(&self) -> usize {
        self.overrides.len()
    }

    /// Renders `kind` for `tenant` in the best language available for `language`.
    pub fn render(
        &self,
        tenant: &str,
        kind: MailKind,
        language: Option<&LanguageTag>,
        params: &BTreeMap<String, String>,
    ) -> Result<Rendered, RenderError> {
        let (language, template) = self.find(tenant, kind, language);
        let value = |name: &str| {
            params
                .get(name)
                .map(String::as_str)
                .or_else(|| (name == "tenant").then_some(tenant))
        };
        let missing = |param: String| RenderError {
            template: template.source.clone(),
            param,
        };
        let mut subject = String::new();
        render(&template.subject, &value, false, &mut subject).map_err(missing)?;
        let mut text = String::new();
        render(&template.text, &value, false, &mut text).map_err(missing)?;
        let mut html = String::new();
        render(&template.html, &value, true, &mut html).map_err(missing)?;
        Ok(Rendered {
            // A parameter must not start a second header line.
            subject: subject.replace(['\r', '\n'], " "),
            text,
            html,
            language,
        })
    }

    fn find(&self, tenant: &str, kind: MailKind, language: Option<&LanguageTag>) -> (String, &Template) {
        let mut languages: Vec<&str> = Vec::with_capacity(3);
        if let Some(tag) = language {
            languages.push(tag.as_str());
            if let Some((base, _)) = tag.as_str().split_once('_') {
                languages.push(base);
            }
        }
        languages.push(FALLBACK_LANGUAGE);
        for lang in languages {
            let own = self.overrides.get(&(tenant.to_owned(), lang.to_owned(), kind));
            if let Some(template) = own.or_else(|| self.built_in.get(&(lang.to_owned(), kind))) {
                return (lang.to_owned(), template);
            }
        }
        // Unreachable while every kind has a built-in English template (a test checks).
        let template = &self.built_in[&(FALLBACK_LANGUAGE.to_owned(), kind)];
        (FALLBACK_LANGUAGE.to_owned(), template)
    }
}

fn subfolders(dir: &Path) -> Result<Vec<(String, PathBuf)>, TemplateError> {
    let io = |e: std::io::Error| TemplateError {
        path: dir.to_owned(),
        reason: e.to_string(),
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().map_err(io)?.is_dir() && !name.starts_with('.') {
            out.push((name, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// The kinds with templates in `dir`, each with its `.txt` and `.html` path.
fn template_files(dir: &Path) -> Result<Vec<(MailKind, PathBuf, PathBuf)>, TemplateError> {
    let io = |e: std::io::Error| TemplateError {
        path: dir.to_owned(),
        reason: e.to_string(),
    };
    let mut found: BTreeMap<MailKind, (bool, bool)> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let (Some(stem), Some(ext)) = (path.file_stem(), path.extension()) else {
            continue;
        };
        let is_text = match ext.to_str() {
            Some("txt") => true,
            Some("html") => false,
            _ => continue,
        };
        let kind = MailKind::from_code(&stem.to_string_lossy()).ok_or_else(|| TemplateError {
            path: path.clone(),
            reason: format!("is not a mail kind; use one of {}", kind_list()),
        })?;
        let slot = found.entry(kind).or_default();
        if is_text {
            slot.0 = true;
        } else {
            slot.1 = true;
        }
    }
    found
        .into_iter()
        .map(|(kind, (text, html))| {
            let text_path = dir.join(format!("{}.txt", kind.code()));
            let html_path = dir.join(format!("{}.html", kind.code()));
            match (text, html) {
                (true, true) => Ok((kind, text_path, html_path)),
                (true, false) => Err(TemplateError {
                    path: text_path,
                    reason: format!("has no {}.html beside it", kind.code()),
                }),
                _ => Err(TemplateError {
                    path: html_path,
                    reason: format!("has no {}.txt beside it", kind.code()),
                }),
            }
        })
        .collect()
}

fn kind_list() -> String {
    MailKind::ALL.map(MailKind::code).join(", ")
}

fn read(path: &Path) -> Result<String, TemplateError> {
    std::fs::read_to_string(path).map_err(|e| TemplateError {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

fn parse(source: &str) -> Result<Vec<Piece>, String> {
    // The open sections, innermost last; the first entry is the template itself.
    let mut open: Vec<(String, Vec<Piece>)> = vec![(String::new(), Vec::new())];
    let mut rest = source;
    while let Some(start) = rest.find("{{") {
        let pieces = &mut open.last_mut().expect("the template level is never closed").1;
        if start > 0 {
            pieces.push(Piece::Text(rest[..start].to_owned()));
        }
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or("a `{{` is not closed by `}}`")?;
        let tag = after[..end].trim();
        rest = &after[end + 2..];
        if let Some(name) = tag.strip_prefix('#') {
            open.push((param_name(name)?, Vec::new()));
        } else if let Some(name) = tag.strip_prefix('/') {
            let name = param_name(name)?;
            if open.len() == 1 || open.last().is_some_and(|(opened, _)| *opened != name) {
                return Err(format!("`{{{{/{name}}}}}` closes no open `{{{{#{name}}}}}`"));
            }
            let (name, inside) = open.pop().expect("checked above");
            open.last_mut()
                .expect("the template level is never closed")
                .1
                .push(Piece::Section(name, inside));
        } else {
            pieces.push(Piece::Param(param_name(tag)?));
        }
    }
    if let Some((name, _)) = open.get(1) {
        return Err(format!("`{{{{#{name}}}}}` is not closed"));
    }
    let mut pieces = open.pop().expect("the template level").1;
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_owned()));
    }
    Ok(pieces)
}

fn param_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ok.then(|| name.to_owned())
        .ok_or_else(|| format!("`{name}` is not a parameter name (letters, digits, `_`)"))
}

/// Appends the rendered `pieces`; on a missing parameter returns its name.
fn render<'a>(
    pieces: &[Piece],
    value: &impl Fn(&str) -> Option<&'a str>,
    html: bool,
    out: &mut String,
) -> Result<(), String> {
    for piece in pieces {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Param(name) => {
                let v = value(name).ok_or_else(|| name.clone())?;
                if html {
                    escape_html(v, out);
                } else {
                    out.push_str(v);
                }
            }
            Piece::Section(name, inside) => {
                if value(name).is_some_and(|v| !v.is_empty()) {
                    render(inside, value, html, out)?;
                }
            }
        }
    }
    Ok(())
}

fn escape_html(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => {
                let _ = out.write_char(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_params_parse_into_pieces() {
        assert_eq!(
            parse("Hi{{#n}} {{ n }}{{/n}}!").unwrap(),
            vec![
                Piece::Text("Hi".into()),
                Piece::Section("n".into(), vec![Piece::Text(" ".into()), Piece::Param("n".into())]),
                Piece::Text("!".into()),
            ]
        );
        for bad in ["{{a", "{{#a}}x", "{{/a}}", "{{#a}}{{/b}}", "{{a b}}", "{{}}"] {
            assert!(parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn html_escaping_covers_markup_and_quotes() {
        let mut out = String::new();
        escape_html(r#"<a href="x">&'</a>"#, &mut out);
        assert_eq!(out, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    }
}
