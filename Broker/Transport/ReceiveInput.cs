using System.IO.Pipelines;
using MasterSocket.Protocol.WebSockets;

namespace MasterSocket.Broker.Transport;

/// <summary>
/// What a connection needs only while it has received bytes to parse: the pipe they land in and the
/// frame reader that takes messages out of it. Lent together by <see cref="InputPipePool"/> (one
/// rent per burst of bytes, not two), kept by a connection while a frame or a fragmented message is
/// incomplete.
/// </summary>
internal sealed class ReceiveInput(Pipe pipe, MessageReader messages)
{
    public Pipe Pipe { get; } = pipe;

    public MessageReader Messages { get; } = messages;
}
