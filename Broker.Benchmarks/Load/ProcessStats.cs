using System.Diagnostics;
using System.Globalization;

namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// What Linux says about a process, from /proc: CPU time (utime + stime of /proc/PID/stat, fields
/// 14 and 15, in clock ticks), resident memory (VmRSS of /proc/PID/status) and the open-file limit
/// (/proc/PID/limits). Every reader returns null when the file is gone or unreadable.
/// </summary>
public static class ProcessStats
{
    private static readonly Lazy<long> TicksPerSecond = new(ReadClockTicks);

    /// <summary>CLK_TCK, from <c>getconf CLK_TCK</c> (100 on every Linux this runs on).</summary>
    public static long ClockTicksPerSecond => TicksPerSecond.Value;

    /// <summary>User + system CPU time of the whole process (all threads), or null.</summary>
    public static TimeSpan? CpuTime(int pid)
    {
        var stat = Machine.ReadProcFile($"/proc/{pid}/stat");
        if (stat is null)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = stat[(close + 2)..].Split(' ');

        // fields[0] is field 3 (state), so utime (14) is fields[11] and stime (15) is fields[12].
        if (fields.Length < 13 ||
            !long.TryParse(fields[11], NumberStyles.Integer, CultureInfo.InvariantCulture, out var utime) ||
            !long.TryParse(fields[12], NumberStyles.Integer, CultureInfo.InvariantCulture, out var stime))
        {
            return null;
        }

        return TimeSpan.FromSeconds((double)(utime + stime) / ClockTicksPerSecond);
    }

    /// <summary>Resident set size in bytes (VmRSS), or null.</summary>
    public static long? RssBytes(int pid)
    {
        var status = Machine.ReadProcFile($"/proc/{pid}/status");
        if (status is null)
        {
            return null;
        }

        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var parts = line[6..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib) ? kib * 1024 : null;
            }
        }

        return null;
    }

    /// <summary>The soft RLIMIT_NOFILE ("Max open files") of a process; null if unknown, long.MaxValue if unlimited.</summary>
    public static long? OpenFileLimit(int pid) => OpenFileLimit(Machine.ReadProcFile($"/proc/{pid}/limits"));

    /// <summary>This process's own soft RLIMIT_NOFILE.</summary>
    public static long? OwnOpenFileLimit() => OpenFileLimit(Machine.ReadProcFile("/proc/self/limits"));

    private static long? OpenFileLimit(string? limits)
    {
        if (limits is null)
        {
            return null;
        }

        foreach (var line in limits.Split('\n'))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                continue;
            }

            var soft = line["Max open files".Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (soft == "unlimited")
            {
                return long.MaxValue;
            }

            return long.TryParse(soft, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
        }

        return null;
    }

    /// <summary>How many cpus this process may run on (its affinity mask).</summary>
    public static int OwnCpuCount()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsWindows())
        {
            return Environment.ProcessorCount;
        }

        try
        {
            var mask = (long)Process.GetCurrentProcess().ProcessorAffinity;
            var count = System.Numerics.BitOperations.PopCount((ulong)mask);
            return count > 0 ? count : Environment.ProcessorCount;
        }
        catch (PlatformNotSupportedException)
        {
            return Environment.ProcessorCount;
        }
    }

    private static long ReadClockTicks()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true, UseShellExecute = false });
            if (getconf is not null)
            {
                var text = getconf.StandardOutput.ReadToEnd().Trim();
                getconf.WaitForExit(5000);
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks) && ticks > 0)
                {
                    return ticks;
                }
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // no getconf: fall through to the value every Linux uses
        }

        return 100;
    }
}
