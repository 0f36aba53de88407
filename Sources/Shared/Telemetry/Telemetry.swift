import Logging
import Metrics
import Prometheus
import Synchronization

/// Logging and metrics for one process. Bootstrapped once, before anything logs.
public enum Telemetry {
  private static let registryBox = Mutex<PrometheusCollectorRegistry?>(nil)

  /// Installs the JSON (or text) log handler and the Prometheus metrics factory.
  public static func bootstrap(service: String, config: GatehouseConfig) {
    let instance = config.instanceID
    LoggingSystem.bootstrap { label in
      JSONLogHandler(
        label: label, format: config.logFormat, level: config.logLevel,
        metadata: ["service": .string(service), "instance": .string(instance)])
    }
    _ = registry
  }

  /// The process's metrics registry; the first use installs it as the metrics backend.
  public static var registry: PrometheusCollectorRegistry {
    registryBox.withLock { box in
      if let registry = box { return registry }
      let registry = PrometheusCollectorRegistry()
      var factory = PrometheusMetricsFactory(registry: registry)
      factory.defaultDurationHistogramBuckets = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
      ]
      MetricsSystem.bootstrap(factory)
      box = registry
      return registry
    }
  }

  /// Prometheus text exposition of every metric of this process.
  public static func prometheusText() -> [UInt8] {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(8192)
    registry.emit(into: &buffer)
    return buffer
  }
}
