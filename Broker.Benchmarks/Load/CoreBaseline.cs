namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// The fastest each watched cpu has been in this invocation (<see cref="CoreSpeedProbe"/>'s timings,
/// the calibration at the start included), and what a run's timings are against it: 1.00 when every
/// cpu ran at its best, 1.5 when one took half as long again.
/// </summary>
public sealed class CoreBaseline
{
    private readonly Dictionary<int, double> _fastest = [];

    /// <summary>Takes in <paramref name="nanos"/> (per cpu), then returns the slowest cpu's timing ÷ its fastest; null without timings.</summary>
    public double? Slowdown(IReadOnlyDictionary<int, double> nanos)
    {
        Observe(nanos);
        return nanos.Count == 0 ? null : nanos.Max(n => n.Value / _fastest[n.Key]);
    }

    /// <summary>Keeps each cpu's fastest timing.</summary>
    public void Observe(IReadOnlyDictionary<int, double> nanos)
    {
        foreach (var (cpu, value) in nanos)
        {
            _fastest[cpu] = Math.Min(value, _fastest.GetValueOrDefault(cpu, double.MaxValue));
        }
    }
}
