using BenchmarkDotNet.Running;
using MasterSocket.Benchmarks.Load;

// `load ...` is the end-to-end load tool; anything else goes to BenchmarkDotNet
// (e.g. `--filter '*'`, `--list flat`, `--job short`).
if (args is ["load", ..])
{
    return LoadCommand.Run(args[1..]);
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(LoadCommand).Assembly).Run(args);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
