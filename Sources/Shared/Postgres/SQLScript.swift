import Foundation

/// Splits SQL text into statements at top-level semicolons. postgres-nio speaks only the extended
/// query protocol, which takes one statement at a time, and migration files hold several.
/// Semicolons inside quotes, quoted identifiers, dollar-quoted bodies and comments do not split.
public enum SQLScript {
  public static func statements(_ sql: String) -> [String] {
    var splitter = Splitter(Array(sql.unicodeScalars))
    return splitter.split()
  }

  /// One pass over the text, copying characters into the statement under way.
  private struct Splitter {
    let chars: [Unicode.Scalar]
    var statements: [String] = []
    var current = String.UnicodeScalarView()
    var i = 0

    init(_ chars: [Unicode.Scalar]) { self.chars = chars }

    mutating func split() -> [String] {
      while i < chars.count {
        let c = chars[i]
        let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
        switch c {
        case "'", "\"":
          current.append(c)
          i = copy(until: [c], from: i + 1)
        case "-" where next == "-":
          i = copy(until: ["\n"], from: i)
        case "/" where next == "*":
          current.append(contentsOf: [c, "*"])
          i = copy(until: ["*", "/"], from: i + 2)
        case "$":
          dollar()
        case ";":
          flush()
          i += 1
        default:
          current.append(c)
          i += 1
        }
      }
      flush()
      return statements
    }

    /// A dollar-quote tag is $$ or $name$ and copies through its closing tag; anything else
    /// ($1) is an ordinary character.
    private mutating func dollar() {
      var j = i + 1
      while j < chars.count, chars[j].properties.isAlphabetic || chars[j] == "_" || (j > i + 1 && ("0"..."9").contains(chars[j])) {
        j += 1
      }
      if j < chars.count, chars[j] == "$" {
        let tag = Array(chars[i...j])
        current.append(contentsOf: tag)
        i = copy(until: tag, from: j + 1)
      } else {
        current.append(chars[i])
        i += 1
      }
    }

    private mutating func flush() {
      let text = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
      if !text.isEmpty && !SQLScript.isOnlyComments(text) { statements.append(text) }
      current = String.UnicodeScalarView()
    }

    /// Copies from `start` through the first occurrence of `end` (or to the end of input).
    private mutating func copy(until end: [Unicode.Scalar], from start: Int) -> Int {
      var j = start
      while j < chars.count {
        if chars[j] == end[0], j + end.count <= chars.count, Array(chars[j..<j + end.count]) == end {
          current.append(contentsOf: chars[j..<j + end.count])
          return j + end.count
        }
        current.append(chars[j])
        j += 1
      }
      return j
    }
  }

  fileprivate static func isOnlyComments(_ text: String) -> Bool {
    text.split(separator: "\n").allSatisfy {
      $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") || $0.trimmingCharacters(in: .whitespaces).isEmpty
    }
  }
}
