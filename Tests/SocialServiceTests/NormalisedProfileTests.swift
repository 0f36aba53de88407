import Foundation
import Shared
import Testing

@testable import SocialService

/// docs/social.md: what Gatehouse takes from a provider's profile, whatever shape it came in.
/// An e-mail counts as verified only when the provider says so, and only a verified e-mail may
/// ever join an existing account, so these rules guard against account takeover.
@Suite(.timeLimit(.minutes(2))) struct NormalisedProfileTests {
  func mapping(_ provider: String) throws -> ProfileMapping {
    try #require(ProviderCatalog.builtIn.first { $0.name == provider }).mapping
  }

  func profile(_ json: String, _ provider: String) throws -> NormalisedProfile? {
    NormalisedProfile(try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)), mapping: try mapping(provider))
  }

  @Test func kakaosNumericIdAndNestedAccountAreRead() throws {
    let read = try #require(
      try profile(
        #"{"id": 4021, "kakao_account": {"email": "ha@example.kr", "is_email_verified": true, "profile": {"nickname": "하늘"}}}"#,
        "kakao"))
    #expect(read.providerID == "4021")
    #expect(read.email == "ha@example.kr" && read.emailVerified)
    // No name: the nickname stands in (the mapping's second path).
    #expect(read.fullName == "하늘" && read.username == "하늘")
  }

  @Test func xsProfileIsReadFromItsDataAndItsAddressIsNeverTakenAsVerified() throws {
    let read = try #require(
      try profile(
        #"{"data": {"id": "2244994945", "name": "X Dev", "username": "XDevelopers", "confirmed_email": "dev@x.example"}}"#, "x"))
    #expect(read.providerID == "2244994945" && read.fullName == "X Dev" && read.username == "XDevelopers")
    #expect(read.email == "dev@x.example" && !read.emailVerified)
  }

  @Test func theCatalogDefinesEveryProviderAServiceMayList() {
    #expect(ProviderCatalog.builtIn.map(\.name) == SocialProviderNames.all)
  }

  @Test func anEmailWithoutTheProvidersWordIsNotVerified() throws {
    let unsaid = try #require(try profile(#"{"id": 7, "kakao_account": {"email": "x@example.com"}}"#, "kakao"))
    #expect(unsaid.email == "x@example.com" && !unsaid.emailVerified)
    let denied = try #require(
      try profile(#"{"id": 7, "kakao_account": {"email": "x@example.com", "is_email_verified": false}}"#, "kakao"))
    #expect(!denied.emailVerified)
    // A number is never taken for a boolean.
    let numeric = try #require(
      try profile(#"{"id": 7, "kakao_account": {"email": "x@example.com", "is_email_verified": 1}}"#, "kakao"))
    #expect(!numeric.emailVerified)
  }

  @Test func applesStringFlagsCount() throws {
    let apple = try #require(try profile(#"{"sub": "001.abc", "email": "a@privaterelay.appleid.com", "email_verified": "true"}"#, "apple"))
    #expect(apple.emailVerified)
    let no = try #require(try profile(#"{"sub": "001.abc", "email": "a@privaterelay.appleid.com", "email_verified": "false"}"#, "apple"))
    #expect(!no.emailVerified)
  }

  @Test func whatTheTablesCannotHoldIsRefusedOrDropped() throws {
    #expect(try profile(#"{"sub": ""}"#, "google") == nil)
    #expect(try profile(#"{"sub": "\#(String(repeating: "x", count: 256))"}"#, "google") == nil)
    #expect(try profile(#"{"email": "a@example.com"}"#, "google") == nil)
    // An address that cannot be one counts as none, and so cannot be verified.
    let odd = try #require(try profile(#"{"sub": "1", "email": "not-an-address", "email_verified": true}"#, "google"))
    #expect(odd.email == nil && !odd.emailVerified)
    // jsonb refuses NUL: the raw profile kept with the link loses it.
    let nul = try #require(try profile(#"{"sub": "1", "name": "a\u0000b"}"#, "google"))
    #expect(!nul.raw.contains("\\u0000"))
  }

  @Test func aFullNameIsComposedWhenOnlyItsPartsAreGiven() throws {
    let parts = try #require(try profile(#"{"sub": "1", "given_name": "Ada", "family_name": "Lovelace"}"#, "google"))
    #expect(parts.fullName == "Ada Lovelace")
    let whole = try #require(try profile(#"{"sub": "1", "given_name": "Ada", "name": "Countess"}"#, "google"))
    #expect(whole.fullName == "Countess")
  }
}
