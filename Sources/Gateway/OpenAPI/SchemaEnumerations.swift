import Shared

/// The string enums the API's bodies carry, so their schemas list the values.
extension VerificationStatusName: SchemaEnumerated {}
extension ClientType: SchemaEnumerated {}
extension Permission: SchemaEnumerated {}
extension ServiceRole: SchemaEnumerated {}
extension PlatformRole: SchemaEnumerated {}
