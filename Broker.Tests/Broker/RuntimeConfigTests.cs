using System.Text.Json;
using MasterSocket.Broker;

namespace MasterSocket.Tests.Broker;

/// <summary>
/// The runtime settings the broker ships with: read from the runtimeconfig.json the build writes
/// beside its assembly, which <c>dotnet run</c>, <c>dotnet MasterSocket.Broker.dll</c> and the
/// container all start it with.
/// </summary>
public sealed class RuntimeConfigTests
{
    [Test]
    public void Hot_methods_are_optimized_without_waiting_for_the_call_counting_delay()
    {
        // Without it a node under load ran its first 2 to 10 seconds on slow code
        // (docs/benchmarks.md, "Cold start").
        Assert.That(ConfigProperty("System.Runtime.TieredCompilation.CallCountingDelayMs").GetInt32(), Is.Zero);
    }

    [Test]
    public void Garbage_collection_is_the_workstation_concurrent_kind()
    {
        // Server GC keeps a heap per core: more memory per node for nothing an idle connection needs.
        Assert.That(ConfigProperty("System.GC.Server").GetBoolean(), Is.False);
        Assert.That(ConfigProperty("System.GC.Concurrent").GetBoolean(), Is.True);
    }

    private static JsonElement ConfigProperty(string name)
    {
        var path = Path.ChangeExtension(typeof(BrokerHost).Assembly.Location, ".runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        Assert.That(document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").TryGetProperty(name, out var value), Is.True, $"{path} sets {name}");
        return value.Clone();
    }
}
