import Foundation

/// What an admin command prints for the operator (results, not logs: logs go to standard error).
public enum Output {
  public static func line(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
  }
}
