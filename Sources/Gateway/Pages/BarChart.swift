import Foundation

/// A bar chart drawn on the server as SVG (docs/pages.md, admin console): no chart library, no
/// script, nothing from a CDN. Every text in it is escaped; colours come from the stylesheet's
/// classes (`bar`, `bar-2`), so the page's CSP needs no inline style.
struct BarChart {
  struct Bar {
    var label: String
    /// One value per series (at most two series: drawn side by side).
    var values: [Double]
  }

  var title: String
  var series: [String]
  var bars: [Bar]
  /// Days read left to right as columns; categories (periods, providers) as rows.
  var columns = false

  /// The `<svg>` element: bars from the left (or columns from the bottom), each value written at
  /// its bar's end, the series named under the chart.
  var svg: String { columns ? columnsSVG : rowsSVG }

  private var rowsSVG: String {
    let width = 640.0
    let labelWidth = 150.0
    let row = 18.0 * Double(max(1, series.count)) + 12
    let height = Double(bars.count) * row + 34
    let top = max(1, bars.flatMap(\.values).max() ?? 1)
    var parts: [String] = [
      "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">",
      "<title>\(Self.escape(title))</title>",
    ]
    for (index, bar) in bars.enumerated() {
      let y = Double(index) * row + 6
      let labelAt = "x=\"\(Int(labelWidth - 8))\" y=\"\(Int(y + row / 2))\""
      parts.append("<text class=\"chart-label\" \(labelAt) text-anchor=\"end\">\(Self.escape(bar.label))</text>")
      for (position, value) in bar.values.enumerated() {
        let length = max(1, (width - labelWidth - 60) * value / top)
        let barY = y + Double(position) * 18
        let box = "x=\"\(Int(labelWidth))\" y=\"\(Int(barY))\" width=\"\(Int(length))\" height=\"14\""
        parts.append("<rect class=\"bar bar-\(position + 1)\" \(box) rx=\"3\"/>")
        parts.append(
          "<text class=\"chart-value\" x=\"\(Int(labelWidth + length + 6))\" y=\"\(Int(barY + 11))\">\(Self.number(value))</text>")
      }
    }
    parts += legend(at: Int(height - 8), from: Int(labelWidth))
    parts.append("</svg>")
    return parts.joined(separator: "\n")
  }

  /// One group of columns per bar (a day), its label under it; a value over its column when not zero.
  private var columnsSVG: String {
    let width = 640.0
    let left = 8.0
    let plot = 150.0
    let base = plot + 20
    let height = base + 44
    let top = max(1, bars.flatMap(\.values).max() ?? 1)
    let group = (width - left * 2) / Double(max(1, bars.count))
    let column = max(3, min(16, (group - 8) / Double(max(1, series.count))))
    var parts: [String] = [
      "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">",
      "<title>\(Self.escape(title))</title>",
      "<line class=\"chart-axis\" x1=\"\(Int(left))\" y1=\"\(Int(base))\" x2=\"\(Int(width - left))\" y2=\"\(Int(base))\"/>",
    ]
    for (index, bar) in bars.enumerated() {
      let middle = left + group * (Double(index) + 0.5)
      let start = middle - column * Double(bar.values.count) / 2
      for (position, value) in bar.values.enumerated() {
        let length = max(1, plot * value / top)
        let x = start + Double(position) * column
        let box = "x=\"\(Int(x))\" y=\"\(Int(base - length))\" width=\"\(Int(column - 1))\" height=\"\(Int(length))\""
        parts.append("<rect class=\"bar bar-\(position + 1)\" \(box) rx=\"2\"/>")
        if value > 0 {
          let at = "x=\"\(Int(x + column / 2))\" y=\"\(Int(base - length - 4))\""
          parts.append("<text class=\"chart-value\" \(at) text-anchor=\"middle\">\(Self.number(value))</text>")
        }
      }
      let label = "x=\"\(Int(middle))\" y=\"\(Int(base + 16))\" text-anchor=\"middle\""
      parts.append("<text class=\"chart-label small\" \(label)>\(Self.escape(bar.label))</text>")
    }
    parts += legend(at: Int(height - 6), from: Int(left) + 8)
    parts.append("</svg>")
    return parts.joined(separator: "\n")
  }

  private func legend(at y: Int, from x: Int) -> [String] {
    series.enumerated().flatMap { position, name in
      let at = x + position * 180
      return [
        "<rect class=\"bar bar-\(position + 1)\" x=\"\(at)\" y=\"\(y - 10)\" width=\"12\" height=\"12\" rx=\"2\"/>",
        "<text class=\"chart-label\" x=\"\(at + 18)\" y=\"\(y)\">\(Self.escape(name))</text>",
      ]
    }
  }

  static func number(_ value: Double) -> String {
    value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)
  }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
