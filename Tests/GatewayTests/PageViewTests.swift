import Foundation
import Testing

@testable import Gateway
@testable import Shared

/// The pages' small pure parts: the SVG chart, masked e-mail, user agents as names, safe return paths.
@Suite(.timeLimit(.minutes(2))) struct PageViewTests {
  @Test func theChartDrawsABarPerValueScaledToTheLargestAndEscapesItsTexts() {
    let chart = BarChart(
      title: "Sign-ins <today>", series: ["a & b", "c"],
      bars: [BarChart.Bar(label: "<script>", values: [10, 5]), BarChart.Bar(label: "two", values: [2.5, 0])]
    ).svg
    #expect(chart.components(separatedBy: "<rect class=\"bar bar-").count - 1 == 4 + 2, "four bars and two legend keys")
    #expect(chart.contains("width=\"430\""), "the largest value spans the width")
    #expect(chart.contains(">2.5<") && chart.contains(">10<"))
    #expect(!chart.contains("<script>") && chart.contains("&lt;script&gt;") && chart.contains("a &amp; b"))
    #expect(chart.contains("<title>Sign-ins &lt;today&gt;</title>"))
  }

  @Test func daysAreColumnsOverTheirDatesWithTheirValuesOnTop() {
    let days = (1...14).map { BarChart.Bar(label: "12-\($0)", values: [Double($0 == 14 ? 6 : 0), Double($0 == 14 ? 3 : 0)]) }
    let chart = BarChart(title: "Per day", series: ["sign-ins", "new"], bars: days, columns: true).svg
    #expect(chart.components(separatedBy: "<rect class=\"bar bar-").count - 1 == 28 + 2, "two columns a day and two legend keys")
    #expect(chart.contains("height=\"150\""), "the largest value is the plot's height")
    #expect(chart.contains(">6<") && chart.contains(">3<") && !chart.contains(">0<"), "values over columns, none for zero")
    #expect(chart.contains(">12-1<") && chart.contains(">12-14<"))
  }

  @Test func timesAreMinutesInUTCAsFoundationWritesThem() {
    for seconds in [0.0, 1_796_000_000.9, 1_798_761_599, 951_782_400] {
      let date = Date(timeIntervalSince1970: seconds)
      let foundation =
        date.formatted(Date.ISO8601FormatStyle().year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false))
        .replacingOccurrences(of: "T", with: " ").prefix(16) + " UTC"
      #expect(AccountOverview.time(date) == foundation, "\(seconds)")
    }
    #expect(AccountOverview.time(Date(timeIntervalSince1970: 1_796_000_000)) == "2026-11-30 00:53 UTC")
  }

  @Test func emailsAreMaskedButRecognisable() {
    #expect(Masked.email("ada@example.com") == "a***@example.com")
    #expect(Masked.email("lovelace.ada@example.com") == "lo***@example.com")
    #expect(Masked.email("x") == "***")
    #expect(Masked.name("Jiwoo Kim") == "J**** K**" && Masked.name("김지우") == "김**" && Masked.name("") == "")
  }

  @Test func userAgentsAreNamedAsPeopleNameThem() {
    let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    #expect(DeviceName.of(chrome) == "Chrome 131 · Windows")
    let safari =
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    #expect(DeviceName.of(safari) == "Safari 17 · iPhone")
    #expect(DeviceName.of(nil) == "—")
    #expect(DeviceName.of("curl/8.5.0") == "curl/8.5.0")
  }

  @Test func theWayBackAfterSigningInStaysOnOurPages() {
    #expect(AccountConsoleSignIn.safePage("/admin/audit") == "/admin/audit")
    #expect(AccountConsoleSignIn.safePage("/approve") == "/approve")
    for foreign in ["https://evil.example", "//evil.example/account", "/accounts", "/account//evil", "/admin\\evil", "/oauth/token"] {
      #expect(AccountConsoleSignIn.safePage(foreign) == "/account", "\(foreign)")
    }
  }
}
