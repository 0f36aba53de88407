import Synchronization

// The two shapes of load. A closed loop (`runLoad`) finds capacity: each worker starts again as
// soon as it is answered, so latency there is mostly the workers' own queue. An open loop
// (`runOpenLoop`) is how people arrive: at a set rate whatever the pace of the answers, so it
// shows the latency at that rate, and a system that cannot keep up shows it as a growing queue.

/// Runs `workers` loops until `duration` has passed; each loop iteration is timed and counted
/// as a success or an error by `step`.
func runLoad<State: Sendable>(
  workers: [State], for duration: Duration, _ step: @escaping @Sendable (inout State) async -> Bool
) async -> (samples: [Duration], errors: Int, elapsed: Duration) {
  let started = ContinuousClock.now
  let end = started + duration
  let results = await withTaskGroup(of: ([Duration], Int).self) { group in
    for state in workers {
      group.addTask {
        var state = state
        var samples: [Duration] = []
        var errors = 0
        while ContinuousClock.now < end {
          let start = ContinuousClock.now
          if await step(&state) { samples.append(ContinuousClock.now - start) } else { errors += 1 }
        }
        return (samples, errors)
      }
    }
    var all: ([Duration], Int) = ([], 0)
    for await (samples, errors) in group {
      all.0 += samples
      all.1 += errors
    }
    return all
  }
  return (results.0, results.1, ContinuousClock.now - started)
}

/// Starts `step` `rate` times a second for `duration`, with the next of `workers` each time, and
/// never waits for answers before starting the next. A sample counts from when its start was
/// due, not from when it was made, so a stalled generator cannot hide a stalled system (no
/// coordinated omission). With `maxInFlight` unanswered, a due start is dropped and counted
/// as shed.
func runOpenLoop<State: Sendable>(
  workers: [State], rate: Int, for duration: Duration, maxInFlight: Int, _ step: @escaping @Sendable (State) async -> Bool
) async -> (samples: [Duration], errors: Int, shed: Int, elapsed: Duration) {
  let interval = Duration.seconds(1) / rate
  let starts = Int(duration / interval)
  let inFlight = InFlight()
  let started = ContinuousClock.now
  return await withTaskGroup(of: Duration?.self) { group in
    var shed = 0
    for index in 0..<starts {
      let due = started + interval * index
      if ContinuousClock.now < due { try? await Task.sleep(until: due, tolerance: .microseconds(200), clock: .continuous) }
      guard inFlight.enter(below: maxInFlight) else {
        shed += 1
        continue
      }
      let worker = workers[index % workers.count]
      group.addTask {
        defer { inFlight.leave() }
        return await step(worker) ? ContinuousClock.now - due : nil
      }
    }
    var samples: [Duration] = []
    var errors = 0
    for await sample in group {
      if let sample { samples.append(sample) } else { errors += 1 }
    }
    return (samples, errors, shed, ContinuousClock.now - started)
  }
}

/// Steps started and not yet answered. Only the starting loop enters, so the check and the
/// increment need not be one atomic step; the steps leave from their own tasks.
private final class InFlight: Sendable {
  private let count = Atomic<Int>(0)

  func enter(below limit: Int) -> Bool {
    guard count.load(ordering: .relaxed) < limit else { return false }
    count.add(1, ordering: .relaxed)
    return true
  }

  func leave() {
    count.subtract(1, ordering: .relaxed)
  }
}
