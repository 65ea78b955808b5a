using System.Runtime.InteropServices;

namespace MasterSocket.Benchmarks.Load;

/// <summary><c>struct timespec</c> on 64-bit Linux, for the clock calls of <see cref="Pacer"/> and <see cref="CoreSpeedProbe"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeSpec
{
    public long Seconds;
    public long Nanoseconds;

    public readonly long TotalNanoseconds => (Seconds * 1_000_000_000) + Nanoseconds;
}
