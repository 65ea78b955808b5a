namespace MasterSocket.Protocol.Envelopes;

/// <summary>The envelope's <c>intent.target</c>: who a routed message goes to (PROTOCOL.md 4).</summary>
public enum Target : byte
{
    Global,
    Group,
    Direct,
}
