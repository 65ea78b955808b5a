namespace MasterSocket.Protocol.Envelopes;

/// <summary>
/// Why an envelope was refused: the error code to answer with, a message for the human who wrote
/// the client, and the raw <c>id</c> to echo (empty when it had none or could not be parsed).
/// </summary>
public readonly record struct EnvelopeError(ErrorCode Code, string Message, ByteRange Id);
