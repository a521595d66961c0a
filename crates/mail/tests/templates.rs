//! Rendering: built-in templates per kind and language, parameters and sections, HTML
//! escaping, and overrides per tenant and language from a folder.

use std::collections::BTreeMap;
use std::path::Path;

use clientele_domain::mail::MailKind;
use clientele_domain::values::LanguageTag;
use clientele_mail::Templates;

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn lang(tag: &str) -> LanguageTag {
    LanguageTag::parse(tag).unwrap()
}

fn write(dir: &Path, file: &str, content: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

const LINK: &str = "https://shop.example/reset?token=abc&user=7";

#[test]
fn a_reset_mail_shows_its_link_in_both_parts_escaped_in_html() {
    let r = Templates::built_in()
        .render(
            "demo",
            MailKind::PasswordReset,
            None,
            &params(&[("link", LINK), ("first_name", "Anna")]),
        )
        .unwrap();
    assert_eq!(r.subject, "Reset your password");
    assert_eq!(r.language, "en");
    assert!(r.text.starts_with("Hello Anna,\n"), "{}", r.text);
    assert!(r.text.contains(LINK), "{}", r.text);
    assert!(
        r.html
            .contains(r#"href="https://shop.example/reset?token=abc&amp;user=7""#),
        "{}",
        r.html
    );
    assert!(!r.html.contains("{{"), "{}", r.html);
}

#[test]
fn every_kind_has_english_and_german_templates() {
    let templates = Templates::built_in();
    let p = params(&[("link", LINK)]);
    for kind in MailKind::ALL {
        let en = templates.render("demo", kind, Some(&lang("en")), &p).unwrap();
        let de = templates.render("demo", kind, Some(&lang("de")), &p).unwrap();
        assert_eq!((en.language.as_str(), de.language.as_str()), ("en", "de"), "{kind}");
        assert_ne!(en.subject, de.subject, "{kind}");
        for r in [&en, &de] {
            assert!(!r.subject.is_empty() && !r.text.is_empty(), "{kind}");
            assert!(r.html.starts_with("<!DOCTYPE html>"), "{kind}");
            assert!(!r.text.contains("{{") && !r.html.contains("{{"), "{kind}");
        }
    }
}

#[test]
fn a_regional_language_uses_its_base_and_an_unknown_one_english() {
    let templates = Templates::built_in();
    let p = params(&[("link", LINK)]);
    let at = templates
        .render("demo", MailKind::SignupOptIn, Some(&lang("de_AT")), &p)
        .unwrap();
    assert_eq!(
        (at.language.as_str(), at.subject.as_str()),
        ("de", "Bitte bestätigen Sie Ihre E-Mail-Adresse")
    );
    let fr = templates
        .render("demo", MailKind::SignupOptIn, Some(&lang("fr_FR")), &p)
        .unwrap();
    assert_eq!(fr.language, "en");
}

#[test]
fn the_greeting_shows_the_first_name_only_when_given() {
    let templates = Templates::built_in();
    let without = templates
        .render("demo", MailKind::PasswordChanged, None, &params(&[]))
        .unwrap();
    assert!(without.text.starts_with("Hello,\n"), "{}", without.text);
    assert!(without.html.contains("<p>Hello,</p>"), "{}", without.html);
    let empty = templates
        .render("demo", MailKind::PasswordChanged, None, &params(&[("first_name", "")]))
        .unwrap();
    assert_eq!(empty, without);
}

#[test]
fn values_are_html_escaped_in_html_only() {
    let r = Templates::built_in()
        .render(
            "demo",
            MailKind::Invitation,
            None,
            &params(&[("link", LINK), ("first_name", "<b>Bob</b> & \"Co\"")]),
        )
        .unwrap();
    assert!(r.text.starts_with("Hello <b>Bob</b> & \"Co\","), "{}", r.text);
    assert!(
        r.html.contains("Hello &lt;b&gt;Bob&lt;/b&gt; &amp; &quot;Co&quot;,"),
        "{}",
        r.html
    );
}

#[test]
fn a_missing_link_is_an_error_naming_it() {
    let err = Templates::built_in()
        .render("demo", MailKind::SignupOptIn, Some(&lang("de")), &params(&[]))
        .unwrap_err();
    assert_eq!(err.param, "link");
    assert_eq!(
        err.to_string(),
        "template built-in de/signup_opt_in needs the parameter `link`"
    );
}

#[test]
fn a_tenant_override_wins_for_its_tenant_and_language_only() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "shop/de/password_reset.txt",
        "Subject: {{tenant}}: neues Passwort\n\nMoin {{first_name}}! {{link}}\n",
    );
    write(
        dir.path(),
        "shop/de/password_reset.html",
        "<p>Moin! <a href=\"{{link}}\">hier</a></p>",
    );
    write(dir.path(), "shop/README.md", "ignored");
    let templates = Templates::load(dir.path()).unwrap();
    assert_eq!(templates.override_count(), 1);
    let p = params(&[("link", LINK), ("first_name", "Jan")]);

    let own = templates
        .render("shop", MailKind::PasswordReset, Some(&lang("de_DE")), &p)
        .unwrap();
    assert_eq!(own.subject, "shop: neues Passwort");
    assert_eq!(own.text, format!("Moin Jan! {LINK}\n"));
    assert_eq!(
        own.html,
        "<p>Moin! <a href=\"https://shop.example/reset?token=abc&amp;user=7\">hier</a></p>"
    );

    let other_tenant = templates
        .render("demo", MailKind::PasswordReset, Some(&lang("de")), &p)
        .unwrap();
    assert_eq!(other_tenant.subject, "Passwort zurücksetzen");
    let other_language = templates
        .render("shop", MailKind::PasswordReset, Some(&lang("en")), &p)
        .unwrap();
    assert_eq!(other_language.subject, "Reset your password");
    let other_kind = templates
        .render("shop", MailKind::SignupOptIn, Some(&lang("de")), &p)
        .unwrap();
    assert_eq!(other_kind.subject, "Bitte bestätigen Sie Ihre E-Mail-Adresse");
}

#[test]
fn a_regional_override_beats_the_language_override() {
    let dir = tempfile::tempdir().unwrap();
    for (folder, subject) in [("de", "de"), ("de-CH", "de_CH")] {
        write(
            dir.path(),
            &format!("shop/{folder}/invitation.txt"),
            &format!("Subject: {subject}\n\n{{{{link}}}}"),
        );
        write(dir.path(), &format!("shop/{folder}/invitation.html"), "{{link}}");
    }
    let templates = Templates::load(dir.path()).unwrap();
    let p = params(&[("link", LINK)]);
    let subject = |tag: &str| {
        templates
            .render("shop", MailKind::Invitation, Some(&lang(tag)), &p)
            .unwrap()
            .subject
    };
    assert_eq!(subject("de_CH"), "de_CH");
    assert_eq!(subject("de_DE"), "de");
    assert_eq!(subject("de"), "de");
}

#[test]
fn broken_overrides_stop_loading_and_name_the_file() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("t/de/password_reset.txt", "Subject: x\n\n")],
            "password_reset.txt: has no password_reset.html",
        ),
        (
            &[("t/de/password_reset.html", "x")],
            "password_reset.html: has no password_reset.txt",
        ),
        (
            &[("t/de/newsletter.txt", "Subject: x\n")],
            "newsletter.txt: is not a mail kind",
        ),
        (
            &[("t/german/invitation.txt", "Subject: x\n")],
            "german: is not a language folder",
        ),
        (
            &[("t/de/invitation.txt", "Hello\n"), ("t/de/invitation.html", "x")],
            "invitation.txt: the first line must be `Subject: …`",
        ),
        (
            &[
                ("t/de/invitation.txt", "Subject: x\n\n{{link}}"),
                ("t/de/invitation.html", "{{#link}}"),
            ],
            "invitation.html: `{{#link}}` is not closed",
        ),
    ];
    for (files, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        for (file, content) in *files {
            write(dir.path(), file, content);
        }
        let err = Templates::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains(expected), "{err} should contain {expected}");
    }
}

#[test]
fn a_missing_templates_folder_is_an_error() {
    let err = Templates::load(Path::new("/nonexistent/clientele/templates")).unwrap_err();
    assert!(
        err.to_string().starts_with("/nonexistent/clientele/templates: "),
        "{err}"
    );
}
