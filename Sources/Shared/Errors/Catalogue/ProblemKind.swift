/// One kind of problem Gatehouse answers: its stable `code`, HTTP status and title, and the
/// sentence docs/problems.md shows for it. Every code is defined once, in this folder; a call
/// site adds only what varies (the detail, the field at fault).
public struct ProblemKind: Sendable, Hashable, CustomStringConvertible {
  public let code: String
  public let status: Int
  public let title: String
  /// When it happens and what the caller should do: one sentence for docs/problems.md.
  public let doc: String
  /// True for an entry that shares an earlier entry's code with another status or title
  /// (see `variant(status:title:doc:)`).
  public let isVariant: Bool

  public init(_ code: String, status: Int, title: String, doc: String) {
    self.init(code: code, status: status, title: title, doc: doc, isVariant: false)
  }

  private init(code: String, status: Int, title: String, doc: String, isVariant: Bool) {
    self.code = code
    self.status = status
    self.title = title
    self.doc = doc
    self.isVariant = isVariant
  }

  /// The same code answered with another status or title. Only for answers clients already
  /// get that way: a new problem gets a code of its own.
  public func variant(status: Int? = nil, title: String? = nil, doc: String) -> ProblemKind {
    ProblemKind(code: code, status: status ?? self.status, title: title ?? self.title, doc: doc, isVariant: true)
  }

  /// A problem of this kind: `detail` says what went wrong this time, `field` names the
  /// request field at fault, `retryAfterSeconds` becomes `Retry-After`.
  public func problem(_ detail: String? = nil, field: String? = nil, retryAfterSeconds: Int? = nil) -> Problem {
    var problem = Problem(status: status, code: code, title: title, detail: detail, field: field)
    problem.retryAfterSeconds = retryAfterSeconds
    return problem
  }

  /// Whether `problem` is of this kind (or a variant of it): `case SignInProblems.accountLocked:`.
  public static func ~= (kind: ProblemKind, problem: Problem) -> Bool {
    problem.code == kind.code
  }

  public var description: String { "\(status) \(code)" }
}

/// The problems of one part of Gatehouse: a section of docs/problems.md.
public protocol ProblemDomain {
  /// The section's heading.
  static var name: String { get }
  /// A sentence under the heading.
  static var summary: String { get }
  /// Every entry of the domain, in the order the docs list them.
  static var all: [ProblemKind] { get }
}
