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

  /// The `<svg>` element: bars from the left, each value written at its bar's end, the series
  /// named under the chart.
  var svg: String {
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
    let legendY = Int(height - 8)
    for (position, name) in series.enumerated() {
      let x = Int(labelWidth) + position * 180
      parts.append("<rect class=\"bar bar-\(position + 1)\" x=\"\(x)\" y=\"\(legendY - 10)\" width=\"12\" height=\"12\" rx=\"2\"/>")
      parts.append("<text class=\"chart-label\" x=\"\(x + 18)\" y=\"\(legendY)\">\(Self.escape(name))</text>")
    }
    parts.append("</svg>")
    return parts.joined(separator: "\n")
  }

  static func number(_ value: Double) -> String {
    value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)
  }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }
}
