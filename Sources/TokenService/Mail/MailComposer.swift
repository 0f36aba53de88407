import Foundation
import Mustache
import Shared

/// Account mail in the person's language (Korean or English): `MailTemplates/mail_text` and
/// `mail_html` filled with the words of `MailTemplates/<language>.json` for the mail's kind,
/// every `{placeholder}` replaced (and HTML-escaped in the HTML part by the template).
struct MailComposer: Sendable {
  let library: MustacheLibrary
  let words: [String: [String: String]]
  static let languages = ["en", "ko"]

  static func load() throws -> MailComposer {
    guard let folder = Bundle.module.url(forResource: "MailTemplates", withExtension: nil) else { throw Problem.internalError() }
    var templates: [String: MustacheTemplate] = [:]
    for name in ["mail_text", "mail_html"] {
      templates[name] = try MustacheTemplate(string: String(contentsOf: folder.appendingPathComponent("\(name).mustache"), encoding: .utf8))
    }
    let library = MustacheLibrary(templates: templates)
    var words: [String: [String: String]] = [:]
    for language in languages {
      let data = try Data(contentsOf: folder.appendingPathComponent("\(language).json"))
      words[language] = try JSONDecoder().decode([String: String].self, from: data)
    }
    return MailComposer(library: library, words: words)
  }

  /// What one mail says: its kind's words with `values` put in, and the link, if any.
  struct Content: Sendable {
    var kind: AccountMailJob.Kind
    var language: String
    var values: [String: String]
    var link: String?
  }

  func message(to address: String, _ content: Content) -> MailMessage {
    let language = Self.languages.contains(content.language) ? content.language : "en"
    let t = words[language] ?? [:]
    func say(_ key: String) -> String {
      content.values.reduce(t[key] ?? "") { text, value in text.replacingOccurrences(of: "{\(value.key)}", with: value.value) }
    }
    let kind = content.kind.rawValue
    let subject = say("\(kind).subject")
    var view: [String: Any] = [
      "lang": language, "subject": subject, "greeting": say("greeting"), "paragraphs": [say("\(kind).body")],
      "footer": say("\(kind).footer"), "service": content.values["service"] ?? "Gatehouse",
    ]
    if let link = content.link {
      view["link"] = link
      view["buttonLabel"] = say("\(kind).button")
    }
    return MailMessage(
      to: address, subject: subject, text: library.render(view, withTemplate: "mail_text") ?? "",
      html: library.render(view, withTemplate: "mail_html"))
  }
}
