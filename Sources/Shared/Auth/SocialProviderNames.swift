/// The built-in social providers' names, in the order their buttons show: what a service's
/// `social_providers` may list (token-service) and what social-service's catalog defines
/// (ProviderCatalogTests checks the two agree).
public enum SocialProviderNames {
  public static let all = ["google", "kakao", "naver", "github", "facebook", "apple", "discord", "x", "linkedin", "oidc"]
}
