using System.Diagnostics;
using System.Numerics;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// A log-linear latency histogram in nanoseconds (the HdrHistogram idea, small): values below 64 ns
/// have a bucket each; above, every power of two is cut into 32 buckets, so a reported percentile is
/// within 1/32 (about 3 %) of the true value. Fixed size, no allocation per value, safe to record
/// into from many threads at once (one interlocked increment).
/// </summary>
public sealed class LatencyHistogram
{
    private const int LinearBuckets = 64;
    private const int SubBuckets = 32;
    private const int SubBits = 5;
    private const int Magnitudes = 58;
    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;

    private readonly long[] _counts = new long[LinearBuckets + (Magnitudes * SubBuckets)];
    private long _max;

    /// <summary>Records the latency from a <see cref="Stopwatch.GetTimestamp"/> to <paramref name="now"/>.</summary>
    public void RecordTicks(long sentTimestamp, long now)
    {
        var nanos = (long)((now - sentTimestamp) * NanosPerTick);
        Record(nanos < 0 ? 0 : nanos);
    }

    public void Record(long nanos)
    {
        Interlocked.Increment(ref _counts[Index(nanos)]);
        var max = Volatile.Read(ref _max);
        while (nanos > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, nanos, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    public long Count
    {
        get
        {
            long total = 0;
            foreach (var count in _counts)
            {
                total += Volatile.Read(in count);
            }

            return total;
        }
    }

    public long MaxNanos => Volatile.Read(ref _max);

    /// <summary>The value at <paramref name="percentile"/> (0..100) in nanoseconds; 0 when empty.</summary>
    public long PercentileNanos(double percentile)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(percentile / 100.0 * total);
        rank = Math.Clamp(rank, 1, total);
        if (rank == total)
        {
            return MaxNanos; // the top is known exactly, not only its bucket
        }

        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(Midpoint(i), MaxNanos);
            }
        }

        return MaxNanos;
    }

    private static int Index(long nanos)
    {
        if (nanos < LinearBuckets)
        {
            return (int)nanos;
        }

        var msb = 63 - BitOperations.LeadingZeroCount((ulong)nanos); // >= 6
        var shift = msb - SubBits;                                     // >= 1: nanos >> shift is in [32, 64)
        var index = LinearBuckets + ((shift - 1) * SubBuckets) + (int)((nanos >> shift) - SubBuckets);
        return Math.Min(index, LinearBuckets + (Magnitudes * SubBuckets) - 1);
    }

    private static long Midpoint(int index)
    {
        if (index < LinearBuckets)
        {
            return index;
        }

        var shift = ((index - LinearBuckets) / SubBuckets) + 1;
        var low = (long)(((index - LinearBuckets) % SubBuckets) + SubBuckets) << shift;
        return low + ((1L << shift) / 2);
    }
}
