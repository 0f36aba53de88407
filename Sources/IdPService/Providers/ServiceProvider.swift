// Providers/: the service providers (SPs) that ask for verifications, and how they prove who they are.
import Crypto
import Foundation
import Shared

/// An SP as the verification rules need it.
struct ServiceProvider: Sendable {
    let id: UUID
    let name: String
    let clientID: String
    let callbackURL: String
    let isActive: Bool
}

/// What `admin create-sp` (and later the admin API) creates, after its rules.
struct NewServiceProvider: Sendable {
    let name: String
    let callbackURL: String
    let ownerUserID: UUID?

    /// https, or http to a loopback address outside production (`GATEHOUSE_ENV=local` or `test`: an SP on this machine).
    init(name: String, callbackURL: String, ownerUserID: UUID?, environment: DeploymentEnvironment) throws(Problem) {
        guard (1...200).contains(name.count) else { throw .unprocessable("A name has 1 to 200 characters.", field: "name") }
        guard let url = URL(string: callbackURL), let host = url.host, url.fragment == nil, url.user == nil else {
            throw .unprocessable("callback_url is not an absolute URL.", field: "callback_url")
        }
        let loopback = host == "localhost" || host == "::1" || host.hasPrefix("127.")
        guard url.scheme == "https" || (url.scheme == "http" && loopback && environment != .production) else {
            throw .unprocessable("callback_url must be https (http only to this machine when GATEHOUSE_ENV=local).", field: "callback_url")
        }
        self.name = name
        self.callbackURL = callbackURL
        self.ownerUserID = ownerUserID
    }
}

/// The secrets of a new SP (or a rotated one), shown once.
struct ServiceProviderSecrets: Sendable {
    let id: UUID
    let clientID: String
    let clientSecret: String
    let webhookSecret: String
    let resultKeyID: String
    /// 32 bytes, base64url: the `k` of the SP's A256GCM JWK.
    let resultKey: String
}

extension Problem {
    static let invalidClient = Problem(status: 401, code: "invalid_client", title: "Invalid client",
                                       detail: "Unknown client, wrong secret, or an inactive service provider.")
}

/// Checks an SP's client credentials: SHA-256 of the presented secret against the stored one,
/// compared in full.
enum ClientSecret {
    static func hash(_ secret: String) -> [UInt8] { Array(SHA256.hash(data: Array(secret.utf8))) }

    static func matches(_ secret: String, _ stored: [UInt8]) -> Bool {
        ConstantTime.equal(hash(secret), stored)
    }
}
