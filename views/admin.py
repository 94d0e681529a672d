"""Admin page: create users, set role and scope, reset passwords, see the audit and export logs."""
from accounts.ui import admin_page, require_login

admin_page(require_login())   # the app's sidebar holds the sign-out button
