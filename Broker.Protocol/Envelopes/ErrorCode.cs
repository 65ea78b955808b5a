namespace MasterSocket.Protocol.Envelopes;

/// <summary>Non-fatal errors, sent as a REPLY with <c>data.error</c> (PROTOCOL.md 5).</summary>
public enum ErrorCode : byte
{
    BadRequest,
    UnknownOp,
    NotIdentified,
    AlreadyIdentified,
    Forbidden,
    NotFound,
    RateLimited,
    Unavailable,
}

public static class ErrorCodes
{
    /// <summary>The code as it is written on the wire.</summary>
    public static string WireName(this ErrorCode code) => code switch
    {
        ErrorCode.BadRequest => "BAD_REQUEST",
        ErrorCode.UnknownOp => "UNKNOWN_OP",
        ErrorCode.NotIdentified => "NOT_IDENTIFIED",
        ErrorCode.AlreadyIdentified => "ALREADY_IDENTIFIED",
        ErrorCode.Forbidden => "FORBIDDEN",
        ErrorCode.NotFound => "NOT_FOUND",
        ErrorCode.RateLimited => "RATE_LIMITED",
        ErrorCode.Unavailable => "UNAVAILABLE",
        _ => throw new ArgumentOutOfRangeException(nameof(code)),
    };
}
