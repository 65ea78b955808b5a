namespace MasterSocket.Protocol.WebSockets;

/// <summary>What one call to a reader produced.</summary>
public enum ReadStatus
{
    /// <summary>The buffer holds no complete unit yet: read more bytes, then call again.</summary>
    NeedMoreData,

    /// <summary>A unit was read and the buffer advanced past it.</summary>
    Message,

    /// <summary>The input breaks the protocol: fail the connection with the fault's close code.</summary>
    Fault,
}
