import Foundation

/// The plaintext of the SP's result JWE. `ci` only for an SP the operator allowed it (left out,
/// not null, otherwise); the DI, per SP, always.
struct ResultPayload: Encodable {
  let transactionID: String
  let authCode: String
  let ci: String?
  let di: String
  let completedAt: Date

  enum CodingKeys: String, CodingKey {
    case transactionID = "transaction_id"
    case authCode = "auth_code"
    case ci, di
    case completedAt = "completed_at"
  }
}
