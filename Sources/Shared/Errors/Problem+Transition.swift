import HTTPTypes

// TEMPORARY, while the gateway's routes become controllers and the last stores lose their inline
// problems: what those files still call. Delete this file once nothing outside Catalogue/ uses it
// (ProblemCatalogueTests keeps the allow-lists of those files).

extension Problem {
    /// 400 `invalid_request`, or another code given as text: use a RequestProblems entry instead.
    public static func badRequest(_ detail: String, field: String? = nil, code: String = RequestProblems.invalidRequest.code) -> Problem {
        var problem = RequestProblems.invalidRequest.problem(detail, field: field)
        problem.code = code
        return problem
    }

    /// 404 with a code given as text: use the domain's `...NotFound` entry instead.
    public static func notFound(_ detail: String, code: String = RequestProblems.notFound.code) -> Problem {
        var problem = RequestProblems.notFound.problem(detail)
        problem.code = code
        return problem
    }

    /// 422 `invalid_field`: use `RequestProblems.invalidField.problem(detail, field:)` instead.
    public static func unprocessable(_ detail: String, field: String) -> Problem {
        RequestProblems.invalidField.problem(detail, field: field)
    }

    /// An OAuth error named as text: use an OAuthProblems entry instead.
    public static func oauth(_ error: String, _ description: String, status: Int = 400) -> Problem {
        var problem = OAuthProblems.invalidRequest.problem(description)
        problem.statusCode = status
        problem.code = error
        problem.title = error
        return problem
    }
}

/// Lets code written when `Problem.status` was an `Int` (`problem.status >= 500`,
/// `switch problem.status { case 500...: }`, `.init(code: problem.status)`) compile unchanged
/// beside Hummingbird's `status: HTTPResponse.Status`: Swift takes the overload that fits. New
/// code reads `statusCode`.
public protocol IntegerStatusTransition {
    var statusCode: Int { get }
}

extension IntegerStatusTransition {
    public var status: Int { statusCode }
}

extension Problem: IntegerStatusTransition {}

/// For `switch problem.status { case 500...: }` where the switch picks `HTTPResponse.Status`.
extension HTTPResponse.Status: @retroactive Comparable {
    public static func < (lhs: HTTPResponse.Status, rhs: HTTPResponse.Status) -> Bool { lhs.code < rhs.code }
}
