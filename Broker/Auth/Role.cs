namespace MasterSocket.Broker.Auth;

/// <summary>What a client may send (PROTOCOL.md 6).</summary>
public enum Role
{
    /// <summary>DIRECT, and GROUP to groups it is a member of.</summary>
    Client,

    /// <summary>GLOBAL, any GROUP, DIRECT.</summary>
    Service,
}

public static class Roles
{
    /// <summary>Parses "client" or "service" (case-insensitive); null or empty means client.</summary>
    public static bool TryParse(string? text, out Role role)
    {
        role = Role.Client;
        if (string.IsNullOrEmpty(text) || text.Equals("client", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (text.Equals("service", StringComparison.OrdinalIgnoreCase))
        {
            role = Role.Service;
            return true;
        }

        return false;
    }

    public static string WireName(this Role role) => role == Role.Service ? "service" : "client";
}
