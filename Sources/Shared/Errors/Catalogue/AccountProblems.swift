/// Accounts: registration, profile, password and the gate in front of account-security changes.
public enum AccountProblems: ProblemDomain {
  public static let name = "Accounts"
  public static let summary = "Creating and changing accounts, and proving it is you before a security change."

  public static let registrationClosed = ProblemKind(
    "registration_closed", status: 403, title: "Registration closed",
    doc: "The service does not accept new accounts (or does not create them at social sign-in); sign in to an existing account.")
  public static let invalidCurrentPassword = ProblemKind(
    "invalid_current_password", status: 403, title: "Wrong password",
    doc: "`current_password` is not the account's password; failures count towards the sign-in lock-out.")
  public static let reauthenticationRequired = ProblemKind(
    "reauthentication_required", status: 403, title: "Prove it is you",
    doc: "A security change needs proof within the last 10 minutes; send `current_password` or pass the second factor again.")
  public static let sessionRequired = ProblemKind(
    "session_required", status: 403, title: "Session required",
    doc: "Account security is changed with the person's own session token, not a client's token.")
  public static let firstPartyRequired = ProblemKind(
    "first_party_required", status: 403, title: "First-party app required",
    doc: "Account security is changed only from the deployment's own (first-party) apps; send the user there.")
  public static let accountNotFound = ProblemKind(
    "account_not_found", status: 404, title: "Not found",
    doc: "No (active) account has this id; check the id, or whether the account was deleted or disabled.")
  public static let usernameTaken = ProblemKind(
    "username_taken", status: 409, title: "Username taken",
    doc: "Another account has this username; choose another.")
  public static let emailTaken = ProblemKind(
    "email_taken", status: 409, title: "E-mail taken",
    doc: "Another account has this e-mail address; sign in to it, or use another address.")
  public static let emailInUse = emailTaken.variant(
    title: "E-mail in use",
    doc: "A social sign-in's e-mail belongs to an existing account; sign in to that account and link the provider from its settings.")
  public static let noPassword = ProblemKind(
    "no_password", status: 409, title: "No password set",
    doc: "The account signs in without a password (social sign-in only), so there is none to change.")

  public static let ownsServices = ProblemKind(
    "account_owns_services", status: 409, title: "Account owns services",
    doc: "The account owns services that are still open; delete them, or ask an operator to hand them to someone else, first.")
  public static let lastSuperAdmin = ProblemKind(
    "last_super_admin", status: 409, title: "Last SUPER_ADMIN",
    doc: "The deployment would have no SUPER_ADMIN left; make another account SUPER_ADMIN before deleting this one.")

  public static let weakPassword = ProblemKind(
    "weak_password", status: 422, title: "Password too easy to guess",
    doc: "The password is among the most common ones, or is the username or the e-mail address; choose another (docs/accounts.md).")
  public static let breachedPassword = ProblemKind(
    "breached_password", status: 422, title: "Password seen in a breach",
    doc: "The configured breach list (k-anonymity range API) has this password from a leak elsewhere; choose one never used before.")

  public static let all = [
    registrationClosed, invalidCurrentPassword, reauthenticationRequired, sessionRequired, firstPartyRequired, accountNotFound,
    usernameTaken, emailTaken, emailInUse, noPassword, ownsServices, lastSuperAdmin, weakPassword, breachedPassword,
  ]
}
