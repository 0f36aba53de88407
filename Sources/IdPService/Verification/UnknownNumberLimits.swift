import Shared

/// How many phone numbers without a profile may be asked about per 10 minutes (each a fixed
/// window from its first miss), so that who uses Gatehouse cannot be enumerated cheaply. Once a
/// budget is spent, every request it covers is refused with 429 `too_many_unknown_numbers`,
/// known numbers included (a different answer for them would give the game away):
/// - `perSP`: one SP (GATEHOUSE_IDP_UNKNOWN_NUMBER_LIMIT, 20);
/// - `perOwner`: all the SPs one SERVICE_ADMIN owns together, since they may create SPs at will
///   (GATEHOUSE_IDP_UNKNOWN_NUMBER_OWNER_LIMIT, 60: three SPs' worth);
/// - `perDeployment`: all SPs together (GATEHOUSE_IDP_UNKNOWN_NUMBER_DEPLOYMENT_LIMIT, 1000). When
///   it is spent, only SPs that have missed in their own current window are refused, so that
///   spending it does not stop every verification.
struct UnknownNumberLimits: Sendable {
  var perSP = 20
  var perOwner = 60
  var perDeployment = 1_000

  static func load(_ settings: Settings) throws(ConfigurationError) -> UnknownNumberLimits {
    UnknownNumberLimits(
      perSP: try settings.int("GATEHOUSE_IDP_UNKNOWN_NUMBER_LIMIT", default: 20, range: 1...100_000),
      perOwner: try settings.int("GATEHOUSE_IDP_UNKNOWN_NUMBER_OWNER_LIMIT", default: 60, range: 1...1_000_000),
      perDeployment: try settings.int("GATEHOUSE_IDP_UNKNOWN_NUMBER_DEPLOYMENT_LIMIT", default: 1_000, range: 1...10_000_000))
  }
}
