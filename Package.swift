// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
  .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
  name: "Gatehouse",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "gateway", targets: ["Gateway"]),
    .executable(name: "token-service", targets: ["TokenService"]),
    .executable(name: "social-service", targets: ["SocialService"]),
    .executable(name: "idp-service", targets: ["IdPService"]),
    .executable(name: "gatehouse-bench", targets: ["GatehouseBench"]),
    .library(name: "Shared", targets: ["Shared"]),
  ],
  dependencies: [
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    // TLS for outbound mail (STARTTLS and implicit TLS); already resolved through postgres-nio.
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
    .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
    .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
  ],
  targets: [
    .systemLibrary(
      name: "CHiredis",
      pkgConfig: "hiredis",
      providers: [.apt(["libhiredis-dev"])]
    ),
    // QR codes for TOTP enrolment (token-service): libqrencode draws the code, libpng's
    // simplified API writes it as a PNG.
    .systemLibrary(
      name: "CQREncode",
      pkgConfig: "libqrencode",
      providers: [.apt(["libqrencode-dev"])]
    ),
    .systemLibrary(
      name: "CPNG",
      pkgConfig: "libpng",
      providers: [.apt(["libpng-dev"])]
    ),
    .target(
      name: "Shared",
      dependencies: [
        "CHiredis",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOFoundationCompat", package: "swift-nio"),
        // SMTPClient: STARTTLS and implicit TLS to the operator's mail server.
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "PostgresNIO", package: "postgres-nio"),
        // Its ConnectionPoolError is what a lease cancelled at a deadline throws.
        .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
        .product(name: "Configuration", package: "swift-configuration"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Hummingbird", package: "hummingbird"),
        // GuardedHTTPClient: outbound HTTP to URLs someone other than the operator set.
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
      ],
      resources: [.copy("Migrations")],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "Gateway",
      dependencies: [
        "Shared",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
        .product(name: "JWTKit", package: "jwt-kit"),
        .product(name: "NIOPosix", package: "swift-nio"),
        // The hosted pages (docs/oidc.md): templates under Resources/Templates.
        .product(name: "Mustache", package: "swift-mustache"),
      ],
      resources: [.copy("Resources")],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "TokenService",
      dependencies: [
        "Shared",
        "CQREncode",
        "CPNG",
        .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
        .product(name: "JWTKit", package: "jwt-kit"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        // Account mail (docs/recovery.md): templates and words under MailTemplates.
        .product(name: "Mustache", package: "swift-mustache"),
        // The breached-password range API (docs/accounts.md, "Passwords").
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
      ],
      resources: [.copy("Migrations"), .copy("MailTemplates"), .copy("PasswordLists")],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "SocialService",
      dependencies: [
        "Shared",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "JWTKit", package: "jwt-kit"),
      ],
      resources: [.copy("Migrations")],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "IdPService",
      dependencies: [
        "Shared",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      resources: [.copy("Migrations")],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "GatehouseBench",
      dependencies: [
        "Shared",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
    // Rules of each service, tested in process: no PostgreSQL, Redis or processes.
    .testTarget(
      name: "IdPServiceTests",
      dependencies: ["IdPService", "Shared"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "SocialServiceTests",
      dependencies: ["SocialService", "Shared"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "TokenServiceTests",
      dependencies: ["TokenService", "Shared", .product(name: "Configuration", package: "swift-configuration")],
      swiftSettings: swiftSettings
    ),
    // What every test target that talks to PostgreSQL, Redis or the real processes shares:
    // the stores of the test run, process control, loopback servers and the cluster harness.
    .target(
      name: "TestSupport",
      dependencies: [
        "Shared",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
      ],
      path: "Tests/Support",
      swiftSettings: swiftSettings
    ),
    // The Shared library against a real PostgreSQL and Redis: RESP, RPC, jobs, migrations, config.
    .testTarget(
      name: "SharedTests",
      dependencies: [
        "Shared",
        "TestSupport",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
      ],
      swiftSettings: swiftSettings
    ),
    // What needs the real executables: end to end, concurrency, faults.
    .testTarget(
      name: "ClusterTests",
      dependencies: [
        "Shared",
        "TestSupport",
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
      ],
      swiftSettings: swiftSettings
    ),
    // The gateway's router in process (HummingbirdTesting): no services, PostgreSQL or Redis.
    .testTarget(
      name: "GatewayTests",
      dependencies: [
        "Gateway",
        "Shared",
        "TestSupport",
        .product(name: "HummingbirdTesting", package: "hummingbird"),
        .product(name: "Configuration", package: "swift-configuration"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
      ],
      swiftSettings: swiftSettings
    ),
  ]
)
