using MasterSocket.Broker.Transport;

namespace MasterSocket.Broker.Routing;

/// <summary>
/// How a message reaches clients on other nodes: the second seam (DESIGN.md). The router hands it
/// the encoded frame once per message and target, never once per recipient; a Redis backplane
/// publishes it on the node or group channel, and the receiving nodes deliver it to their own
/// clients. The embedded default has no other nodes.
/// </summary>
public interface IBackplane
{
    /// <summary>To every identified client on every other node.</summary>
    void PublishGlobal(OutboundFrame frame);

    /// <summary>To the members of <paramref name="group"/> on every other node.</summary>
    void PublishGroup(ReadOnlySpan<char> group, OutboundFrame frame);

    /// <summary>
    /// To the client with this id (its UTF-8 bytes) if it is connected to another node. Returns false
    /// when no node has it (the sender then gets NOT_FOUND).
    /// </summary>
    bool TryPublishDirect(ReadOnlySpan<byte> clientIdUtf8, OutboundFrame frame);
}

/// <summary>The single-node backplane: there is nobody else to reach.</summary>
public sealed class InMemoryBackplane : IBackplane
{
    public void PublishGlobal(OutboundFrame frame)
    {
    }

    public void PublishGroup(ReadOnlySpan<char> group, OutboundFrame frame)
    {
    }

    public bool TryPublishDirect(ReadOnlySpan<byte> clientIdUtf8, OutboundFrame frame) => false;
}
