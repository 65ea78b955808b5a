namespace MasterSocket.Protocol.Envelopes;

/// <summary>
/// The fields of an envelope to send, each as ready-made JSON: the raw tokens read from a sender's
/// message, or bytes the broker wrote. An empty span means "absent" (for <see cref="Id"/>: null).
/// </summary>
public readonly ref struct OutgoingEnvelope
{
    /// <summary>The raw <c>id</c> token; empty writes <c>"id":null</c>.</summary>
    public ReadOnlySpan<byte> Id { get; init; }

    public OpCode Op { get; init; }

    /// <summary>The raw <c>event</c> token (a JSON string); empty omits the field.</summary>
    public ReadOnlySpan<byte> Event { get; init; }

    /// <summary>The raw <c>data</c> value; empty omits the field.</summary>
    public ReadOnlySpan<byte> Data { get; init; }

    /// <summary>Null omits the intent; otherwise it is written in its normal form.</summary>
    public Target? Target { get; init; }

    /// <summary>The raw <c>intent.identifier</c> token for GROUP and DIRECT.</summary>
    public ReadOnlySpan<byte> Identifier { get; init; }

    /// <summary>The <c>from</c> value without quotes: a client id or "broker". It must need no JSON escaping.</summary>
    public ReadOnlySpan<byte> From { get; init; }

    /// <summary>
    /// The envelope that delivers a routed message (PROTOCOL.md 4): the sender's id, op, event, data
    /// and intent as they are in <paramref name="message"/>, and <paramref name="from"/> stamped by the broker.
    /// </summary>
    public static OutgoingEnvelope ForDelivery(ReadOnlySpan<byte> message, in Envelope envelope, ReadOnlySpan<byte> from) => new()
    {
        Id = envelope.Id.Of(message),
        Op = envelope.Op,
        Event = envelope.Event.Of(message),
        Data = envelope.Data.Of(message),
        Target = envelope.Target,
        Identifier = envelope.Identifier.Of(message),
        From = from,
    };
}
