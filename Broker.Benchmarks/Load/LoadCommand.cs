namespace MasterSocket.Benchmarks.Load;

/// <summary>
/// The end-to-end load tool (`dotnet run -c Release --project Broker.Benchmarks -- load ...`).
/// A placeholder until the broker exists: issue 4 replaces <see cref="Run"/> with the real tool.
/// </summary>
public static class LoadCommand
{
    /// <summary>Exit code when the tool is not available yet.</summary>
    public const int NotAvailable = 2;

    public static int Run(string[] args)
    {
        _ = args;
        Console.WriteLine("the load tool arrives with the broker (issue 4)");
        return NotAvailable;
    }
}
