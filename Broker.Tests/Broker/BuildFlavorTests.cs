using System.Diagnostics;
using System.Reflection;
using System.Reflection.Emit;
using MasterSocket.Broker;

namespace MasterSocket.Tests.Broker;

/// <summary>The start-up warning for a Debug build rests on reading the assembly's DebuggableAttribute right.</summary>
public sealed class BuildFlavorTests
{
    [Test]
    public void The_broker_under_test_is_optimized_exactly_when_built_in_Release()
    {
#if DEBUG
        const bool release = false;
#else
        const bool release = true;
#endif
        Assert.That(BuildFlavor.IsOptimized, Is.EqualTo(release));
    }

    [Test]
    public void An_assembly_that_disables_the_JIT_optimizer_is_not_optimized()
    {
        Assert.That(BuildFlavor.IsOptimizedAssembly(WithDebuggable(DebuggableAttribute.DebuggingModes.Default | DebuggableAttribute.DebuggingModes.DisableOptimizations)), Is.False);
        Assert.That(BuildFlavor.IsOptimizedAssembly(WithDebuggable(DebuggableAttribute.DebuggingModes.IgnoreSymbolStoreSequencePoints)), Is.True);
    }

    private static AssemblyBuilder WithDebuggable(DebuggableAttribute.DebuggingModes modes)
    {
        var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName($"flavor-{Guid.NewGuid():N}"), AssemblyBuilderAccess.Run);
        var constructor = typeof(DebuggableAttribute).GetConstructor([typeof(DebuggableAttribute.DebuggingModes)])!;
        assembly.SetCustomAttribute(new CustomAttributeBuilder(constructor, [modes]));
        return assembly;
    }
}
