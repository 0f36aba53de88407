import Foundation

/// Every problem Gatehouse answers, by domain: the source of docs/problems.md
/// (`GATEHOUSE_UPDATE_DOCS=1 swift test --filter ProblemCatalogueTests` writes it).
public enum ProblemCatalogue {
  /// The domains in the order docs/problems.md lists them.
  public static var domains: [any ProblemDomain.Type] {
    [
      RequestProblems.self, PlatformProblems.self, SignInProblems.self, AccountProblems.self, RecoveryProblems.self, PasskeyProblems.self,
      MFAProblems.self,
      ServiceAdminProblems.self, PlanProblems.self, SocialProblems.self, IdPProblems.self, OAuthProblems.self, AuthorizationProblems.self,
      OpenIDProblems.self,
    ]
  }

  public static var all: [ProblemKind] { domains.flatMap { $0.all } }

  /// docs/problems.md: a table a domain.
  public static func markdown() -> String {
    var lines = [
      "# Problems",
      "",
      "<!-- Generated from ProblemCatalogue (Sources/Shared/Errors/Catalogue); do not edit by hand.",
      "     GATEHOUSE_UPDATE_DOCS=1 swift test --filter ProblemCatalogueTests rewrites it. -->",
      "",
      "Every error Gatehouse answers is an RFC 9457 problem (`application/problem+json`), except on the `/oauth` routes",
      "(last section): `type`, `title`, `status`, `detail`, a `code` that stays the same across releases (match on it, not",
      "on `title` or `detail`), `field` when one request field is at fault, and the `request_id` to quote in a report; some",
      "carry `Retry-After`. A code listed more than once is given with another status or title in the case its row names.",
      "",
      "A problem's `type` is `urn:gatehouse:problem:<code>`: it names its row below. `/openapi.json` (docs/api.md) lists",
      "every code in its `Problem` schema and, for each route, the codes it may answer; contract fuzzing checks each",
      "answered problem against that schema.",
    ]
    for domain in domains {
      lines += [
        "", "## \(domain.name)", "", domain.summary, "", "| code | status | title | when / what to do |", "| --- | --- | --- | --- |",
      ]
      for kind in domain.all {
        lines.append("| `\(kind.code)` | \(kind.status) | \(cell(kind.title)) | \(cell(kind.doc)) |")
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  private static func cell(_ text: String) -> String {
    text.replacingOccurrences(of: "|", with: "\\|")
  }
}
