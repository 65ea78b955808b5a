using System.Runtime.InteropServices;

namespace MasterSocket.Benchmarks.Load;

/// <summary>One line about the machine a result came from: CPU model, cpus, memory, kernel, runtime.</summary>
public static class Machine
{
    public static string Summary()
    {
        var model = Read("/proc/cpuinfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown cpu";
        var memory = Read("/proc/meminfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var kernel = Read("/proc/sys/kernel/osrelease")?.Trim() ?? RuntimeInformation.OSDescription;
        return $"{model}, {Environment.ProcessorCount} cpus, {memory} memory, Linux {kernel}, {RuntimeInformation.FrameworkDescription}";
    }

    private static string? Read(string path)
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
