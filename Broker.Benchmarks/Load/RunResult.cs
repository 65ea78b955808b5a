namespace MasterSocket.Benchmarks.Load;

/// <summary>The figures of one measured window of one scenario on one server (or the medians of several).</summary>
public sealed record RunResult
{
    public required string Scenario { get; init; }

    /// <summary>What distinguishes this row within its scenario (e.g. "1000 members", "paced 40000/s").</summary>
    public required string Variant { get; init; }

    public required ServerKind Server { get; init; }

    public required int Connections { get; init; }

    /// <summary>What <see cref="MessagesPerSecond"/> counts: "msgs/s" published, or "req/s" completed.</summary>
    public string RateUnit { get; init; } = "msgs/s";

    public double MessagesPerSecond { get; init; }

    public double DeliveriesPerSecond { get; init; }

    public double? P50Micros { get; init; }
    public double? P90Micros { get; init; }
    public double? P99Micros { get; init; }
    public double? P999Micros { get; init; }

    /// <summary>Server CPU time (utime + stime) in the window ÷ deliveries in the window.</summary>
    public double? CpuMicrosPerDelivery { get; init; }

    /// <summary>Server CPU time in the window ÷ messages (or requests) in the window.</summary>
    public double? CpuMicrosPerMessage { get; init; }

    /// <summary>Server CPU time ÷ wall time: 1.0 = one core busy.</summary>
    public double? ServerCores { get; init; }

    /// <summary>(RSS at the end of the window − RSS before any client connected) ÷ connections.</summary>
    public double? RssBytesPerConnection { get; init; }

    /// <summary>This tool's CPU time ÷ (wall × cpus it may use): near 1.0 means the figure is client-bound.</summary>
    public double ToolCpuShare { get; init; }

    public double WindowSeconds { get; init; }

    /// <summary>How long the traffic ran before the window opened (see --warmup-max).</summary>
    public double WarmupSeconds { get; init; }

    public long Messages { get; init; }

    public long Deliveries { get; init; }

    /// <summary>Paced direct only: the median gap between the pacer's ticks in the window (1 ms asked).</summary>
    public double? PacerTickP50Micros { get; init; }

    /// <summary>Paced direct only: the 99th percentile of those gaps; a late tick sends its backlog at once.</summary>
    public double? PacerTickP99Micros { get; init; }

    /// <summary>
    /// The slowest watched cpu's speed in the window against its fastest in this invocation
    /// (<see cref="CoreSpeedProbe"/>, <see cref="CoreBaseline"/>): 1.00 at full speed; null where it
    /// was not measured (idle runs, a platform without the probe).
    /// </summary>
    public double? CoreSlowdown { get; init; }

    /// <summary>Run at once with the other server, taking turns (<c>--interleave</c>): its figures are the sum of its turns.</summary>
    public bool Interleaved { get; init; }

    /// <summary>This run's core was slower than <c>--slow-core</c> allows, so it was run again and left out of the medians.</summary>
    public bool RepeatedOnSlowCore { get; init; }

    /// <summary>Set when the scenario could not run here (e.g. "skipped: RLIMIT_NOFILE is 20000").</summary>
    public string? Skipped { get; init; }

    /// <summary>Which run this is (1-based), or 0 for a median row.</summary>
    public int Run { get; init; }
}
