namespace MasterSocket.Benchmarks.Load;

/// <summary>The servers the load tool can drive.</summary>
public enum ServerKind
{
    MasterSocket,
    Nats,
}

public static class ServerKindNames
{
    public static string Label(this ServerKind kind) => kind == ServerKind.MasterSocket ? "MasterSocket" : "nats-server";
}
