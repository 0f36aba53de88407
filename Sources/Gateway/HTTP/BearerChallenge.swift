import Shared

/// A 401 for a bearer token, answered with `WWW-Authenticate: Bearer error="invalid_token"`
/// (ProblemMiddleware).
struct BearerChallenge: Error {
  let problem: Problem
  init(_ problem: Problem) { self.problem = problem }
}
