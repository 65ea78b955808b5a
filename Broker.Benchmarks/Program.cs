using BenchmarkDotNet.Running;
using MasterSocket.Benchmarks.Load;
using MasterSocket.Broker.Transport;

// `load ...` is the end-to-end load tool; anything else goes to BenchmarkDotNet
// (e.g. `--filter '*'`, `--list flat`, `--job short`).
if (args is ["load", ..])
{
    // Before the first socket exists (the runtime reads it once): run socket continuations on the
    // epoll threads instead of hopping to the thread pool for every receive, as the broker does
    // (Broker/Transport/SocketEngine.cs). Without it the one-core tool was saturated at half of a
    // server's maximum rate (96-98 %), so its queueing, not the server, set the latency measured
    // (docs/load-tool.md). The tool's receive callbacks never block. An explicit value wins.
    SocketEngine.PreferInlineCompletions();

    return LoadCommand.Run(args[1..]);
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(LoadCommand).Assembly).Run(args);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
