using System.Runtime.InteropServices;

namespace MasterSocket.Benchmarks.Load;

/// <summary>One line about the machine a result came from: CPU model, cpus, memory, kernel, runtime.</summary>
public static class Machine
{
    public static string Summary()
    {
        var model = ReadProcFile("/proc/cpuinfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown cpu";
        var memory = ReadProcFile("/proc/meminfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var kernel = ReadProcFile("/proc/sys/kernel/osrelease")?.Trim() ?? RuntimeInformation.OSDescription;
        return $"{model}, {Environment.ProcessorCount} cpus, {memory} memory, Linux {kernel}, {RuntimeInformation.FrameworkDescription}";
    }

    /// <summary>A /proc or /sys file's text, or null when it cannot be read.</summary>
    public static string? ReadProcFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
