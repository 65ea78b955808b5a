using System.Diagnostics.CodeAnalysis;
using MasterSocket.Broker.Sessions;

namespace MasterSocket.Broker.Routing;

/// <summary>
/// Who is connected to this node and which groups they are in: the first of the two seams that keep
/// single node and cluster one program (DESIGN.md). The in-memory registry is the embedded default;
/// a Redis registry also records which node each client is on, for the backplane to reach it.
/// Lookups take spans so routing a message allocates no strings. Clients are found by their id's UTF-8
/// bytes, the form the broker mints it in and DIRECT carries it in: no session keeps it as a string.
/// </summary>
public interface IClientRegistry
{
    /// <summary>Identified clients on this node.</summary>
    int Count { get; }

    /// <summary>Every identified client on this node.</summary>
    MemberSet Everyone { get; }

    /// <summary>Adds an identified session and its groups.</summary>
    void Register(Session session);

    /// <summary>Removes a session from the registry and all its groups. Safe to call more than once.</summary>
    void Unregister(Session session);

    /// <summary>The identified session with this client id (its UTF-8 bytes) on this node.</summary>
    bool TryFindLocal(ReadOnlySpan<byte> clientIdUtf8, [NotNullWhen(true)] out Session? session);

    /// <summary>This node's members of a group; null when it has none here.</summary>
    MemberSet? LocalGroup(ReadOnlySpan<char> group);
}
