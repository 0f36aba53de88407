import Foundation

struct BenchRow {
  let path: String
  let result: String
  let budget: String
  let met: Bool
}

/// Keeps docs/benchmarks.md as sections between markers, so each bench replaces only its own.
struct BenchReport {
  let file: String

  func replaceSection(_ name: String, title: String, rows: [BenchRow], command: String) throws {
    let begin = "<!-- bench:\(name):begin -->"
    let end = "<!-- bench:\(name):end -->"
    let machine = "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB"
    var section = "\(begin)\n### \(title)\n\nMeasured \(ISO8601DateFormatter().string(from: Date())) on \(machine), release build, "
    section += "everything on one machine, with `\(command)`.\n\n| path | measured | budget | met |\n|---|---|---|---|\n"
    for row in rows { section += "| \(row.path) | \(row.result) | \(row.budget) | \(row.met ? "yes" : "no") |\n" }
    section += "\(end)"
    var text =
      (try? String(contentsOfFile: file, encoding: .utf8))
      ?? "# Benchmarks\n\nWritten by `make bench` (scripts/bench.sh); each section is replaced by the run that measures it.\n"
    if let lower = text.range(of: begin), let upper = text.range(of: end), lower.lowerBound < upper.upperBound {
      text.replaceSubrange(lower.lowerBound..<upper.upperBound, with: section)
    } else {
      text += "\n\(section)\n"
    }
    try text.write(toFile: file, atomically: true, encoding: .utf8)
  }
}

func percentile(_ samples: [Duration], _ p: Double) -> Duration {
  guard !samples.isEmpty else { return .zero }
  let sorted = samples.sorted()
  return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

func ms(_ d: Duration) -> String { String(format: "%.3f", d.fractionalMilliseconds) }
