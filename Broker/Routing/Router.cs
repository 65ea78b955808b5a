using System.Runtime.CompilerServices;
using System.Text;
using MasterSocket.Broker.Auth;
using MasterSocket.Broker.Sessions;
using MasterSocket.Broker.Transport;
using MasterSocket.Protocol.Envelopes;

namespace MasterSocket.Broker.Routing;

/// <summary>What routing one message did.</summary>
public enum RouteOutcome
{
    Routed,
    Forbidden,
    NotFound,
}

/// <summary>
/// Routes EVENT and REPLY by intent (PROTOCOL.md 4): checks the sender's role, encodes the delivered
/// frame once (sender's fields plus <c>from</c>), and queues that one buffer on every local recipient
/// (at the end of the read that routed it, with the read's other messages to the same recipients:
/// <see cref="ReadBatch"/>) and, once per target, on the backplane. Order per sender
/// and recipient holds because a sender's messages are routed one after another by its receive
/// loop, into each recipient's FIFO queue.
/// </summary>
public sealed class Router(IClientRegistry registry, IBackplane backplane)
{
    /// <summary>Group names and client ids are at most this long (IdentifyRequest.MaxGroupNameBytes).</summary>
    private const int MaxIdentifierBytes = IdentifyRequest.MaxGroupNameBytes;

    /// <summary>The longest raw token that can still unescape to <see cref="MaxIdentifierBytes"/> (\uXXXX is 6 bytes for 1).</summary>
    private const int MaxRawIdentifierBytes = (MaxIdentifierBytes * 6) + 2;

    // The stack buffers for the identifier are 1 KiB: zeroing them on every message was 2 % of the
    // broker's CPU on DIRECT traffic, and only the bytes written into them are ever read.
    [SkipLocalsInit]
    public RouteOutcome Route(Session sender, ReadOnlySpan<byte> message, in Envelope envelope)
    {
        if (envelope.Target == Target.Global)
        {
            if (sender.Role != Role.Service)
            {
                return RouteOutcome.Forbidden;
            }

            var frame = Encode(sender.ClientIdUtf8, message, envelope);
            Deliver(registry.Everyone.Snapshot(), frame, sender);
            backplane.PublishGlobal(frame);
            frame.Release();
            return RouteOutcome.Routed;
        }

        // The identifier's value, unescaped, on the stack: lookups allocate nothing.
        Span<byte> utf8 = stackalloc byte[MaxRawIdentifierBytes];
        if (!TryCopyIdentifier(message, envelope, utf8, out var identifier))
        {
            // Longer than any group name or client id can be: nobody is there.
            return envelope.Target == Target.Direct ? RouteOutcome.NotFound
                : sender.Role == Role.Service ? RouteOutcome.Routed : RouteOutcome.Forbidden;
        }

        if (envelope.Target == Target.Direct)
        {
            // Client ids are kept as UTF-8: the bytes are looked up as they are.
            return RouteDirect(sender, message, envelope, identifier);
        }

        // Group names are text (the session's membership set, the backplane's channel).
        Span<char> group = stackalloc char[MaxIdentifierBytes];
        return RouteGroup(sender, message, envelope, group[..Encoding.UTF8.GetChars(identifier, group)]);
    }

    private RouteOutcome RouteGroup(Session sender, ReadOnlySpan<byte> message, in Envelope envelope, ReadOnlySpan<char> group)
    {
        if (sender.Role != Role.Service && !sender.IsMemberOf(group))
        {
            return RouteOutcome.Forbidden;
        }

        var frame = Encode(sender.ClientIdUtf8, message, envelope);
        if (registry.LocalGroup(group) is { } members)
        {
            Deliver(members.Snapshot(), frame, sender);
        }

        backplane.PublishGroup(group, frame);
        frame.Release();
        return RouteOutcome.Routed;
    }

    private RouteOutcome RouteDirect(Session sender, ReadOnlySpan<byte> message, in Envelope envelope, ReadOnlySpan<byte> clientId)
    {
        if (!registry.TryFindLocal(clientId, out var recipient))
        {
            // Nothing held is for it: a read holds local deliveries only, and everything this sender
            // routes to the backplane goes there at once, in order.
            var remote = Encode(sender.ClientIdUtf8, message, envelope);
            try
            {
                return backplane.TryPublishDirect(clientId, remote) ? RouteOutcome.Routed : RouteOutcome.NotFound;
            }
            finally
            {
                remote.Release();
            }
        }

        // A recipient that is closing has already left the registry, or is leaving it: its frame is
        // dropped, which is the "at most once" of PROTOCOL.md 4. The read's previous message went to
        // the same recipient: written straight into the frame held for it (ReadBatch).
        if (ReadBatch.TryWriteDirect(recipient, message, envelope, sender.ClientIdUtf8))
        {
            return RouteOutcome.Routed;
        }

        var frame = Encode(sender.ClientIdUtf8, message, envelope);
        try
        {
            if (!ReadBatch.TryAddDirect(recipient, frame))
            {
                recipient.Send(frame);
            }
        }
        finally
        {
            frame.Release();
        }

        return RouteOutcome.Routed;
    }

    private static OutboundFrame Encode(byte[] from, ReadOnlySpan<byte> message, in Envelope envelope)
    {
        var frame = OutboundFrame.Rent();
        EnvelopeWriter.WriteDelivered(frame, message, envelope, from);
        return frame;
    }

    /// <summary>Queues a broadcast on its recipients: at the end of the read that routed it, when there is one (<see cref="ReadBatch"/>).</summary>
    private static void Deliver(Session[] recipients, OutboundFrame frame, Session? except)
    {
        if (ReadBatch.TryAddBroadcast(recipients, except, frame))
        {
            return;
        }

        foreach (var recipient in recipients)
        {
            if (!ReferenceEquals(recipient, except))
            {
                recipient.Send(frame);
            }
        }
    }

    private static bool TryCopyIdentifier(ReadOnlySpan<byte> message, in Envelope envelope, Span<byte> utf8, out ReadOnlySpan<byte> identifier)
    {
        identifier = default;
        if (envelope.Identifier.Length > utf8.Length)
        {
            return false;
        }

        var length = envelope.CopyIdentifier(message, utf8);
        if (length > MaxIdentifierBytes)
        {
            return false;
        }

        identifier = utf8[..length];
        return true;
    }
}
