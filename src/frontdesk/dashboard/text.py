"""Every word the dashboard shows, in English and Spanish (one table: a missing
translation is a test failure, not a blank)."""

from __future__ import annotations

from starlette.requests import Request

LANGUAGES = ("en", "es")

TEXT: dict[str, dict[str, str]] = {
    "app": {"en": "frontdesk", "es": "frontdesk"},
    "sign_in": {"en": "Sign in", "es": "Iniciar sesión"},
    "sign_out": {"en": "Sign out", "es": "Cerrar sesión"},
    "email": {"en": "Email", "es": "Correo electrónico"},
    "password": {"en": "Password", "es": "Contraseña"},
    "sign_in_to": {"en": "Sign in to your front desk", "es": "Inicie sesión en su recepción"},
    "wrong_credentials": {"en": "That email and password do not match an account.",
                          "es": "Ese correo y esa contraseña no corresponden a ninguna cuenta."},
    "too_many": {"en": "Too many attempts. Try again in a few minutes.",
                 "es": "Demasiados intentos. Vuelva a intentarlo en unos minutos."},
    "expired_form": {"en": "The form expired. Please try again.",
                     "es": "El formulario caducó. Inténtelo de nuevo."},
    "home": {"en": "Overview", "es": "Resumen"},
    "api_docs": {"en": "API", "es": "API"},
    "next_appointments": {"en": "Next 7 days", "es": "Próximos 7 días"},
    "no_appointments": {
        "en": "No appointments in the next 7 days. Callers book through your phone number, "
              "chat or the API; bookings appear here as they are made.",
        "es": "No hay citas en los próximos 7 días. Sus clientes reservan por teléfono, "
              "chat o la API; las citas aparecen aquí en cuanto se hacen."},
    "latest_conversations": {"en": "Latest conversations", "es": "Últimas conversaciones"},
    "no_conversations": {
        "en": "No conversations yet. Try one: run `frontdesk call` in a terminal, or chat "
              "through the API.",
        "es": "Aún no hay conversaciones. Pruebe una: ejecute `frontdesk call` en una "
              "terminal, o converse por la API."},
    "campaigns": {"en": "Campaigns", "es": "Campañas"},
    "no_campaigns": {
        "en": "No campaigns yet. Run `frontdesk campaign demo` to watch one call twenty "
              "people, or create one through the API.",
        "es": "Aún no hay campañas. Ejecute `frontdesk campaign demo` para ver una llamar "
              "a veinte personas, o cree una por la API."},
    "when": {"en": "When", "es": "Cuándo"},
    "service": {"en": "Service", "es": "Servicio"},
    "staff": {"en": "Staff", "es": "Personal"},
    "customer": {"en": "Customer", "es": "Cliente"},
    "status": {"en": "Status", "es": "Estado"},
    "channel": {"en": "Channel", "es": "Canal"},
    "language": {"en": "Language", "es": "Idioma"},
    "outcome": {"en": "Outcome", "es": "Resultado"},
    "turns": {"en": "Turns", "es": "Turnos"},
    "name": {"en": "Name", "es": "Nombre"},
    "leads": {"en": "Leads", "es": "Contactos"},
    "remaining": {"en": "Remaining", "es": "Pendientes"},
    "booked": {"en": "Booked", "es": "Reservadas"},
    "unknown_caller": {"en": "Unknown caller", "es": "Desconocido"},
    "signed_in_as": {"en": "Signed in as", "es": "Sesión de"},
    "your_calendar": {"en": "Your calendar", "es": "Su agenda"},
    "main": {"en": "Main", "es": "Principal"},
    "contacted": {"en": "Contacted", "es": "Contactados"},
    "reached": {"en": "Reached", "es": "Localizados"},
    "declined": {"en": "Declined", "es": "Rechazaron"},
    "callbacks": {"en": "Callbacks", "es": "Volver a llamar"},
    "opted_out": {"en": "Opted out", "es": "Bajas"},
    "progress": {"en": "Progress", "es": "Progreso"},
    "pause": {"en": "Pause", "es": "Pausar"},
    "resume": {"en": "Resume", "es": "Reanudar"},
    "customers": {"en": "Customers", "es": "Clientes"},
    "search": {"en": "Search name, phone or email", "es": "Buscar nombre, teléfono o correo"},
    "filter": {"en": "Filter", "es": "Filtrar"},
    "not_contacted_days": {"en": "Not contacted in (days)", "es": "Sin contacto en (días)"},
    "last_outcome": {"en": "Last outcome", "es": "Último resultado"},
    "no_show_days": {"en": "No-show in the last (days)", "es": "No acudió en los últimos (días)"},
    "tag": {"en": "Tag", "es": "Etiqueta"},
    "sort": {"en": "Sort by", "es": "Ordenar por"},
    "sort_created": {"en": "Newest", "es": "Más recientes"},
    "sort_name": {"en": "Name", "es": "Nombre"},
    "sort_last_contact": {"en": "Last contact", "es": "Último contacto"},
    "sort_next_appointment": {"en": "Next appointment", "es": "Próxima cita"},
    "any": {"en": "Any", "es": "Cualquiera"},
    "phone": {"en": "Phone", "es": "Teléfono"},
    "last_contact": {"en": "Last contact", "es": "Último contacto"},
    "next_appointment": {"en": "Next appointment", "es": "Próxima cita"},
    "conversations": {"en": "Conversations", "es": "Conversaciones"},
    "consent": {"en": "Consent", "es": "Consentimiento"},
    "do_not_call": {"en": "Do not call", "es": "No llamar"},
    "yes": {"en": "yes", "es": "sí"},
    "no": {"en": "no", "es": "no"},
    "no_customers": {
        "en": "No customers match. Customers appear as people call, text or chat, or when "
              "you import them.",
        "es": "Ningún cliente coincide. Los clientes aparecen cuando llaman, escriben o "
              "chatean, o cuando los importa."},
    "contact_these": {"en": "Contact these", "es": "Contactar a estos"},
    "contact_these_help": {
        "en": "Creates a draft campaign for the people listed (those who may be called).",
        "es": "Crea una campaña en borrador con las personas de la lista (las que se "
              "pueden llamar)."},
    "campaign_name": {"en": "Campaign name", "es": "Nombre de la campaña"},
    "meeting_request": {"en": "What to book", "es": "Qué reservar"},
    "no_meeting_requests": {
        "en": "To contact people, first create a meeting request (what to book) through "
              "the API: POST /api/v1/meeting-requests.",
        "es": "Para contactar a personas, cree primero una solicitud de cita (qué reservar) "
              "por la API: POST /api/v1/meeting-requests."},
    "history": {"en": "History", "es": "Historial"},
    "no_history": {"en": "Nothing has happened with this customer yet.",
                   "es": "Aún no ha pasado nada con este cliente."},
    "older": {"en": "Older", "es": "Anteriores"},
    "appointment": {"en": "Appointment", "es": "Cita"},
    "message": {"en": "Message", "es": "Mensaje"},
    "campaign_call": {"en": "Campaign call", "es": "Llamada de campaña"},
    "conversation": {"en": "Conversation", "es": "Conversación"},
    "role_user": {"en": "Customer", "es": "Cliente"},
    "role_assistant": {"en": "Assistant", "es": "Asistente"},
    "role_call": {"en": "Call", "es": "Llamada"},
    "notes": {"en": "Notes", "es": "Notas"},
    "day": {"en": "Day", "es": "Día"},
    "duration": {"en": "Duration", "es": "Duración"},
    "transferred": {"en": "Transferred", "es": "Transferida"},
    "live": {"en": "live", "es": "en curso"},
    "appointments": {"en": "Appointments", "es": "Citas"},
    "view": {"en": "View", "es": "Vista"},
    "week": {"en": "Week", "es": "Semana"},
    "one_day": {"en": "Day", "es": "Día"},
    "everyone": {"en": "Everyone", "es": "Todos"},
    "show": {"en": "Show", "es": "Mostrar"},
    "earlier": {"en": "← Earlier", "es": "← Antes"},
    "later": {"en": "Later →", "es": "Después →"},
    "mark": {"en": "Mark", "es": "Marcar"},
    "completed": {"en": "Completed", "es": "Atendida"},
    "no_show": {"en": "No-show", "es": "No acudió"},
    "mark_completed": {"en": "Mark completed:", "es": "Marcar atendida:"},
    "mark_no_show": {"en": "Mark no-show:", "es": "Marcar no acudió:"},
    "confirmed": {"en": "confirmed", "es": "confirmada"},
    "appt_booked": {"en": "booked", "es": "reservada"},
    "appt_cancelled": {"en": "cancelled", "es": "cancelada"},
    "appt_completed": {"en": "completed", "es": "atendida"},
    "appt_no_show": {"en": "no-show", "es": "no acudió"},
    "no_appointments_day": {"en": "No appointments.", "es": "Sin citas."},
    "api_keys": {"en": "API keys", "es": "Claves de API"},
    "key_created": {"en": "Key created", "es": "Clave creada"},
    "key_once": {"en": "Copy it now: it is shown only once.",
                 "es": "Cópiela ahora: solo se muestra una vez."},
    "widget_snippet": {"en": "Paste this into your website's pages to add the chat:",
                       "es": "Pegue esto en las páginas de su web para añadir el chat:"},
    "key_prefix": {"en": "Key", "es": "Clave"},
    "scope": {"en": "Access", "es": "Acceso"},
    "scope_admin": {"en": "Full access", "es": "Acceso completo"},
    "scope_read": {"en": "Read only", "es": "Solo lectura"},
    "scope_widget": {"en": "Chat widget (publishable)", "es": "Chat para la web (pública)"},
    "origins": {"en": "Allowed sites", "es": "Sitios permitidos"},
    "origins_help": {"en": "Allowed sites, for a chat widget key (one per line, e.g. "
                           "https://www.example.com)",
                     "es": "Sitios permitidos, para una clave de chat (uno por línea, p. ej. "
                           "https://www.example.com)"},
    "revoke": {"en": "Revoke", "es": "Revocar"},
    "revoked": {"en": "revoked", "es": "revocada"},
    "active": {"en": "active", "es": "activa"},
    "create_key": {"en": "Create a key", "es": "Crear una clave"},
    "forgot": {"en": "Forgot your password?", "es": "¿Olvidó su contraseña?"},
    "send_link": {"en": "Email me a link", "es": "Enviarme un enlace"},
    "reset_sent": {"en": "If that email has an account, a link to set a new password is on "
                         "its way. It works for one hour.",
                   "es": "Si ese correo tiene una cuenta, le llega un enlace para elegir una "
                         "contraseña nueva. Sirve durante una hora."},
    "new_password": {"en": "New password", "es": "Contraseña nueva"},
    "save_password": {"en": "Save the new password", "es": "Guardar la contraseña nueva"},
    "weak_password": {"en": "A password needs at least 10 characters.",
                      "es": "La contraseña necesita al menos 10 caracteres."},
    "bad_link": {"en": "This link is wrong, expired or already used. Ask for a new one.",
                 "es": "Este enlace es incorrecto, caducó o ya se usó. Pida uno nuevo."},
    "password_changed": {"en": "Your password is changed. Sign in with the new one.",
                         "es": "Su contraseña cambió. Inicie sesión con la nueva."},
    "state_draft": {"en": "draft", "es": "borrador"},
    "state_running": {"en": "running", "es": "en curso"},
    "state_paused": {"en": "paused", "es": "en pausa"},
    "state_cancelled": {"en": "cancelled", "es": "cancelada"},
    "state_completed": {"en": "completed", "es": "terminada"},
    # --- appointment editing ---

    # --- widget page ---

    # --- settings pages ---

    # --- insights page ---
    "ins_period": {"en": "Period", "es": "Periodo"},
    "ins_last_days": {"en": "Last {days} days", "es": "Últimos {days} días"},
    "ins_range": {"en": "From {first} to {last} (today included), in {zone} time.",
                  "es": "Del {first} al {last} (hoy incluido), en la hora de {zone}."},
    "ins_empty": {
        "en": "Nothing to show for these days yet. The figures fill in as customers call, "
              "chat, text and book: try one with `frontdesk call` in a terminal, or chat "
              "through the API.",
        "es": "Aún no hay nada que mostrar en estos días. Las cifras se llenan cuando los "
              "clientes llaman, chatean, escriben y reservan: pruebe con `frontdesk call` en "
              "una terminal, o converse por la API."},
    "ins_summary": {"en": "At a glance", "es": "De un vistazo"},
    "ins_bookings": {"en": "Bookings", "es": "Reservas"},
    "ins_booking_rate": {"en": "Booking rate", "es": "Tasa de reserva"},
    "ins_calls_handled": {"en": "Calls handled", "es": "Llamadas resueltas"},
    "ins_calls_transferred": {"en": "Calls transferred", "es": "Llamadas transferidas"},
    "ins_handle_time": {"en": "Average handle time", "es": "Duración media"},
    "ins_no_show_rate": {"en": "No-show rate", "es": "Tasa de ausencias"},
    "ins_bookings_per_day": {"en": "Bookings per day", "es": "Reservas por día"},
    "ins_rate_by_channel": {"en": "Booking rate by channel", "es": "Tasa de reserva por canal"},
    "ins_rate_help": {
        "en": "Of the conversations started on each channel, the share that ended in a "
              "booking.",
        "es": "De las conversaciones iniciadas en cada canal, la parte que terminó en una "
              "reserva."},
    "ins_calls_per_day": {"en": "Calls handled and transferred, per day",
                          "es": "Llamadas resueltas y transferidas, por día"},
    "ins_handled": {"en": "Handled", "es": "Resueltas"},
    "ins_transferred": {"en": "Transferred", "es": "Transferidas"},
    "ins_handle_by_channel": {"en": "Average handle time by channel",
                              "es": "Duración media por canal"},
    "ins_ended": {"en": "Ended conversations", "es": "Conversaciones terminadas"},
    "ins_no_show_help": {
        "en": "Of the appointments due in these days and marked attended or no-show, the "
              "share where the customer did not come.",
        "es": "De las citas de estos días marcadas como atendidas o como ausencia, la parte "
              "en que el cliente no vino."},
    "ins_reasons": {"en": "Top reasons for transfer", "es": "Motivos de transferencia"},
    "ins_reason": {"en": "Reason", "es": "Motivo"},
    "ins_not_recorded": {"en": "Reason not recorded", "es": "Motivo no registrado"},
    "ins_no_transfers": {"en": "No conversation was handed to a person in these days.",
                         "es": "Ninguna conversación se pasó a una persona en estos días."},
    "ins_numbers": {"en": "Show the numbers", "es": "Ver las cifras"},
    "ins_date_short": {"en": "%m/%d", "es": "%d/%m"},
    "ins_desc_bookings": {
        "en": "{total} bookings in {days} days; each day's number is in the table below.",
        "es": "{total} reservas en {days} días; la cifra de cada día está en la tabla de "
              "abajo."},
    "ins_desc_rates": {
        "en": "The share of each channel's conversations that ended in a booking; the "
              "numbers are in the table below.",
        "es": "La parte de las conversaciones de cada canal que terminó en una reserva; las "
              "cifras están en la tabla de abajo."},
    "ins_desc_calls": {
        "en": "{handled} calls handled and {transferred} transferred in {days} days; each "
              "day's numbers are in the table below.",
        "es": "{handled} llamadas resueltas y {transferred} transferidas en {days} días; las "
              "cifras de cada día están en la tabla de abajo."},
    "ins_desc_handle": {
        "en": "Conversations lasted {average} on average; each channel's average is in the "
              "table below.",
        "es": "Las conversaciones duraron {average} de media; la media de cada canal está "
              "en la tabla de abajo."},
    "ins_desc_reasons": {
        "en": "How many transferred conversations gave each reason; the numbers are in the "
              "table below.",
        "es": "Cuántas conversaciones transferidas dieron cada motivo; las cifras están en "
              "la tabla de abajo."},

    # --- oauth sign-in ---
    "or_sign_in_with": {"en": "Or:", "es": "O bien:"},
    "sign_in_with_google": {"en": "Sign in with Google", "es": "Iniciar sesión con Google"},
    "sign_in_with_microsoft": {"en": "Sign in with Microsoft",
                               "es": "Iniciar sesión con Microsoft"},
    "oauth_expired": {"en": "That sign-in took too long or was started in another window. "
                            "Please try again.",
                      "es": "Ese inicio de sesión tardó demasiado o empezó en otra ventana. "
                            "Inténtelo de nuevo."},
    "oauth_cancelled": {"en": "The sign-in was cancelled. Try again, or use your password.",
                        "es": "Se canceló el inicio de sesión. Inténtelo de nuevo, o use su "
                              "contraseña."},
    "oauth_failed": {"en": "The answer from Google or Microsoft could not be verified, so you "
                           "were not signed in. Please try again.",
                     "es": "No se pudo verificar la respuesta de Google o Microsoft, así que no "
                           "inició sesión. Inténtelo de nuevo."},
    "oauth_unavailable": {"en": "Google or Microsoft could not be reached. Try again in a few "
                                "minutes, or use your password.",
                          "es": "No se pudo contactar con Google o Microsoft. Inténtelo en unos "
                                "minutos, o use su contraseña."},
    "oauth_no_account": {
        "en": "That account is not linked to anyone here. If you have an account, sign in "
              "with your password and link it under Sign-in methods; otherwise ask your "
              "business's owner to invite you.",
        "es": "Esa cuenta no está vinculada a nadie aquí. Si tiene una cuenta, inicie sesión "
              "con su contraseña y vincúlela en Métodos de inicio de sesión; si no, pida al "
              "dueño de su negocio que le invite."},
    "sign_in_methods": {"en": "Sign-in methods", "es": "Métodos de inicio de sesión"},
    "sign_in_methods_help": {
        "en": "Link your Google or Microsoft account to sign in with it instead of your "
              "password. Linking asks you to sign in there once.",
        "es": "Vincule su cuenta de Google o Microsoft para iniciar sesión con ella en lugar "
              "de su contraseña. Para vincularla, inicie sesión allí una vez."},
    "linked_account": {"en": "Linked account", "es": "Cuenta vinculada"},
    "not_linked": {"en": "Not linked", "es": "Sin vincular"},
    "last_used": {"en": "Last used", "es": "Último uso"},
    "link": {"en": "Link", "es": "Vincular"},
    "unlink": {"en": "Unlink", "es": "Desvincular"},
    "oauth_linked": {"en": "Linked. You can now sign in with that account.",
                     "es": "Vinculada. Ya puede iniciar sesión con esa cuenta."},
    "oauth_unlinked": {"en": "Unlinked. That account no longer signs you in.",
                       "es": "Desvinculada. Esa cuenta ya no le da acceso."},
    "oauth_linked_elsewhere": {"en": "That account is already linked to another user here.",
                               "es": "Esa cuenta ya está vinculada a otro usuario aquí."},
    "oauth_last_method": {
        "en": "That account is your only way to sign in. Set a password first (\"Forgot "
              "your password?\" on the sign-in page), then unlink it.",
        "es": "Esa cuenta es su única forma de iniciar sesión. Elija primero una contraseña "
              "(\"¿Olvidó su contraseña?\" en la página de inicio de sesión) y luego "
              "desvincúlela."},
    "no_sign_in_providers": {
        "en": "Sign-in with Google or Microsoft is not set up on this server. Whoever runs "
              "it can turn it on (README: \"Signing in with Google or Microsoft\").",
        "es": "El inicio de sesión con Google o Microsoft no está configurado en este "
              "servidor. Quien lo administra puede activarlo (README: \"Signing in with "
              "Google or Microsoft\")."},


    # --- staff and security ---
    "transcript": {"en": "Transcript", "es": "Transcripción"},
    "no_transcript": {"en": "Nothing was said in this conversation yet.",
                      "es": "Aún no se dijo nada en esta conversación."},
    "all_conversations": {"en": "All conversations", "es": "Todas las conversaciones"},
    "error_not_found": {"en": "Not found", "es": "No encontrado"},
    "error_forbidden": {"en": "Not allowed", "es": "No permitido"},
    "error_conflict": {"en": "That clashes with something already there",
                       "es": "Eso choca con algo que ya existe"},
    "error_input": {"en": "Please check what you entered", "es": "Revise lo que escribió"},
    "error_ours": {"en": "Something went wrong on our side",
                   "es": "Algo falló de nuestro lado"},
    "go_back": {"en": "Go back", "es": "Volver"},
    "saved": {"en": "Saved.", "es": "Guardado."},
    "save_notes": {"en": "Save notes", "es": "Guardar notas"},
    "consent_controls": {"en": "Consent and opt-out", "es": "Consentimiento y baja"},
    "sms_consent": {"en": "Agreed to text messages", "es": "Aceptó mensajes de texto"},
    "call_consent": {"en": "Agreed to calls", "es": "Aceptó llamadas"},
    "opt_out_all": {"en": "Do not call or text (opted out)",
                    "es": "No llamar ni escribir (se dio de baja)"},
    "save_consent": {"en": "Save consent", "es": "Guardar consentimiento"},
    "erase_customer": {"en": "Erase this customer's personal data",
                       "es": "Borrar los datos personales de este cliente"},
    "erase_explained": {
        "en": "Their name, phone, email, notes, what they said in conversations and the "
              "messages sent to them are removed. Their appointments stay as anonymous "
              "history. This cannot be undone.",
        "es": "Se borran su nombre, teléfono, correo, notas, lo que dijo en las "
              "conversaciones y los mensajes que se le enviaron. Sus citas quedan como "
              "historial anónimo. No se puede deshacer."},
    "erase_confirm": {"en": "I understand: erase it for good",
                      "es": "Entiendo: borrarlo para siempre"},
    "erase_now": {"en": "Erase", "es": "Borrar"},
    "keep_customer": {"en": "Cancel and go back", "es": "Cancelar y volver"},
    "customer_erased": {"en": "This customer's personal data was erased.",
                        "es": "Los datos personales de este cliente se borraron."},
    "csv_files": {"en": "CSV files", "es": "Archivos CSV"},
    "export_csv": {"en": "Download this list as CSV", "es": "Descargar esta lista en CSV"},
    "import_csv": {"en": "Import customers from CSV", "es": "Importar clientes desde CSV"},
    "import_help": {
        "en": "Columns: name, phone, email, timezone, language, consent date, sms opt in. "
              "Good rows are added; each bad row is listed with its reason.",
        "es": "Columnas: name, phone, email, timezone, language, consent date, sms opt in. "
              "Las filas correctas se añaden; cada fila con errores se muestra con el motivo."},
    "import_report": {"en": "Import result", "es": "Resultado de la importación"},
    "imported": {"en": "Added", "es": "Añadidos"},
    "already_known": {"en": "Already known", "es": "Ya existían"},
    "rows_with_errors": {"en": "Rows with errors", "es": "Filas con errores"},
    "line": {"en": "Line", "es": "Línea"},
    "problem": {"en": "Problem", "es": "Problema"},
    "back_to_customers": {"en": "Back to customers", "es": "Volver a clientes"},
    "no_customers_staff": {
        "en": "No customers on your calendar yet. People you have appointments with "
              "appear here.",
        "es": "Aún no hay clientes en su agenda. Aquí aparecen las personas con las que "
              "tiene citas."},

    "insights": {"en": "Insights", "es": "Estadísticas"},
    "settings": {"en": "Settings", "es": "Configuración"},
    "widget": {"en": "Chat widget", "es": "Widget de chat"},
}


def language_of(request: Request, preferred: str | None = None) -> str:
    """The user's own language, else the browser's first one we speak, else English."""
    if preferred in LANGUAGES:
        return str(preferred)
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def words(lang: str) -> dict[str, str]:
    return {key: forms[lang] for key, forms in TEXT.items()}
