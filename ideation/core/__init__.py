"""Cross-cutting pieces every feature uses: database base, security, permissions, audit, i18n."""
