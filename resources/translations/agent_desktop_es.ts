<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es">
<context>
    <name>AfterCallPanel</name>
    <message>
        <source>After-call work</source>
        <translation>Trabajo posterior a la llamada</translation>
    </message>
    <message>
        <source>After-call work time left</source>
        <translation>Tiempo restante de trabajo posterior</translation>
    </message>
    <message>
        <source>Disposition</source>
        <translation>Resultado</translation>
    </message>
    <message>
        <source>After-call notes</source>
        <translation>Notas posteriores a la llamada</translation>
    </message>
    <message>
        <source>Notes stay on this workstation, encrypted, and are deleted with the patient data cache.</source>
        <translation>Las notas se quedan en este puesto, cifradas, y se borran con la caché de datos del paciente.</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notas</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Guardar</translation>
    </message>
    <message>
        <source>Save the disposition</source>
        <translation>Guardar el resultado</translation>
    </message>
    <message>
        <source>More time</source>
        <translation>Más tiempo</translation>
    </message>
    <message>
        <source>Extend after-call work</source>
        <translation>Ampliar el trabajo posterior</translation>
    </message>
    <message>
        <source>Go available</source>
        <translation>Pasar a disponible</translation>
    </message>
    <message>
        <source>Go available for the next call</source>
        <translation>Pasar a disponible para la siguiente llamada</translation>
    </message>
    <message>
        <source>{time} left before you are available again</source>
        <translation>Quedan {time} antes de volver a estar disponible</translation>
    </message>
    <message>
        <source>✔ Saved</source>
        <translation>✔ Guardado</translation>
    </message>
</context>
<context>
    <name>AgentState</name>
    <message>
        <source>Break</source>
        <translation>Descanso</translation>
    </message>
    <message>
        <source>Lunch</source>
        <translation>Almuerzo</translation>
    </message>
    <message>
        <source>Meeting</source>
        <translation>Reunión</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>Formación</translation>
    </message>
    <message>
        <source>Coaching</source>
        <translation>Tutoría</translation>
    </message>
    <message>
        <source>Technical</source>
        <translation>Problema técnico</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>Bloqueado</translation>
    </message>
</context>
<context>
    <name>AgentStateSelector</name>
    <message>
        <source>Agent state</source>
        <translation>Estado del agente</translation>
    </message>
    <message>
        <source>After-call work time left</source>
        <translation>Tiempo restante de trabajo posterior</translation>
    </message>
    <message>
        <source>Available</source>
        <translation>Disponible</translation>
    </message>
    <message>
        <source>After-call work</source>
        <translation>Trabajo posterior a la llamada</translation>
    </message>
    <message>
        <source>Not ready · %1</source>
        <translation>No disponible · %1</translation>
    </message>
    <message>
        <source>On a call</source>
        <translation>En llamada</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>Quedan %1</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Agent Desktop cannot start</source>
        <translation>Agent Desktop no puede iniciarse</translation>
    </message>
    <message>
        <source>The policy your organisation deployed cannot be used.</source>
        <translation>La política que instaló su organización no se puede usar.</translation>
    </message>
    <message>
        <source>%1

Contact IT support; Agent Desktop starts once the policy file is fixed.</source>
        <translation>%1

Contacte con soporte de TI; Agent Desktop se iniciará cuando se corrija el archivo de política.</translation>
    </message>
    <message>
        <source>Your settings were reset</source>
        <translation>Se restablecieron sus ajustes</translation>
    </message>
</context>
<context>
    <name>Banner</name>
    <message>
        <source>Alert</source>
        <translation>Alerta</translation>
    </message>
    <message>
        <source>Hide this alert</source>
        <translation>Ocultar esta alerta</translation>
    </message>
</context>
<context>
    <name>CallWorkspace</name>
    <message>
        <source>Call problem</source>
        <translation>Problema con la llamada</translation>
    </message>
    <message>
        <source>Ready for calls.
Incoming calls ring here; the caller&apos;s record appears after you answer.</source>
        <translation>Listo para llamadas.
Las llamadas entrantes suenan aquí; la ficha de quien llama aparece al contestar.</translation>
    </message>
    <message>
        <source>Choose who is calling, then start verification.</source>
        <translation>Elija quién llama y luego inicie la verificación.</translation>
    </message>
</context>
<context>
    <name>DemoBanner</name>
    <message>
        <source>Demo banner</source>
        <translation>Banner de la demostración</translation>
    </message>
    <message>
        <source>&lt;b&gt;DEMO&lt;/b&gt; — synthetic patients only; nothing here is real. Agent &lt;b&gt;%1&lt;/b&gt;, vault password &lt;b&gt;%2&lt;/b&gt;.</source>
        <translation>&lt;b&gt;DEMO&lt;/b&gt; — solo pacientes sintéticos; nada aquí es real. Agente &lt;b&gt;%1&lt;/b&gt;, contraseña de la bóveda &lt;b&gt;%2&lt;/b&gt;.</translation>
    </message>
    <message>
        <source>Demo notice</source>
        <translation>Aviso de la demostración</translation>
    </message>
    <message>
        <source>Who the simulated caller plays</source>
        <translation>A quién interpreta el llamante simulado</translation>
    </message>
    <message>
        <source>Audit trail on the server: waiting for the first events...</source>
        <translation>Registro de auditoría en el servidor: esperando los primeros eventos...</translation>
    </message>
    <message>
        <source>Audit trail on the server</source>
        <translation>Registro de auditoría en el servidor</translation>
    </message>
    <message>
        <source>&amp;Lock now</source>
        <translation>&amp;Bloquear ahora</translation>
    </message>
    <message>
        <source>&amp;Call me now</source>
        <translation>&amp;Llámame ahora</translation>
    </message>
    <message>
        <source>&amp;Who saw this patient?</source>
        <translation>¿&amp;Quién vio a este paciente?</translation>
    </message>
    <message>
        <source>Open &amp;team lead</source>
        <translation>Abrir &amp;supervisor</translation>
    </message>
    <message>
        <source>What the demo is doing</source>
        <translation>Qué está haciendo la demostración</translation>
    </message>
    <message>
        <source>Locked: sign in again with the demo password.</source>
        <translation>Bloqueado: vuelva a iniciar sesión con la contraseña de la demostración.</translation>
    </message>
    <message>
        <source>The simulated caller is dialling you...</source>
        <translation>El llamante simulado le está marcando...</translation>
    </message>
    <message>
        <source>The caller is already on a call with you.</source>
        <translation>El llamante ya está en una llamada con usted.</translation>
    </message>
    <message>
        <source>The team lead&apos;s window is starting (its own sign-in)...</source>
        <translation>La ventana del supervisor se está abriendo (con su propio inicio de sesión)...</translation>
    </message>
    <message>
        <source>Who saw this patient? (the auditor&apos;s view)</source>
        <translation>¿Quién vio a este paciente? (la vista del auditor)</translation>
    </message>
    <message>
        <source>Who saw this patient</source>
        <translation>Quién vio a este paciente</translation>
    </message>
    <message>
        <source>The audit server&apos;s answer for the demo patient:</source>
        <translation>La respuesta del servidor de auditoría para el paciente de la demostración:</translation>
    </message>
    <message>
        <source>Audit report</source>
        <translation>Informe de auditoría</translation>
    </message>
    <message>
        <source>hash chain intact</source>
        <translation>cadena de hashes intacta</translation>
    </message>
    <message>
        <source>hash chain %1</source>
        <translation>cadena de hashes %1</translation>
    </message>
    <message>
        <source>Audit trail on the server: %1 event(s), %2; newest: %3</source>
        <translation>Registro de auditoría en el servidor: %1 evento(s), %2; el más reciente: %3</translation>
    </message>
    <message>
        <source>Audit trail: the server did not answer (%1)</source>
        <translation>Registro de auditoría: el servidor no respondió (%1)</translation>
    </message>
</context>
<context>
    <name>EnrolStep</name>
    <message>
        <source>STEP 1 OF 2</source>
        <translation>PASO 1 DE 2</translation>
    </message>
    <message>
        <source>Enrol this workstation</source>
        <translation>Registrar este puesto</translation>
    </message>
    <message>
        <source>Your IT team gave you a one-time enrolment token. It connects this workstation to your organisation&apos;s audit server.</source>
        <translation>Su equipo de TI le dio un código de registro de un solo uso. Conecta este puesto con el servidor de auditoría de su organización.</translation>
    </message>
    <message>
        <source>Audit server (set by your organisation)</source>
        <translation>Servidor de auditoría (fijado por su organización)</translation>
    </message>
    <message>
        <source>not configured</source>
        <translation>sin configurar</translation>
    </message>
    <message>
        <source>Enrolment token</source>
        <translation>Código de registro</translation>
    </message>
    <message>
        <source>Paste the token from IT</source>
        <translation>Pegue el código que le dio TI</translation>
    </message>
    <message>
        <source>Enrol</source>
        <translation>Registrar</translation>
    </message>
    <message>
        <source>No audit server is configured.</source>
        <translation>No hay ningún servidor de auditoría configurado.</translation>
    </message>
    <message>
        <source>Ask IT to set audit.server_url in the policy.</source>
        <translation>Pida a TI que configure audit.server_url en la política.</translation>
    </message>
    <message>
        <source>Enrolling…</source>
        <translation>Registrando…</translation>
    </message>
</context>
<context>
    <name>EscalationList</name>
    <message>
        <source>Asked at</source>
        <translation>Pedida a las</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Esperando</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>Agente</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Tipo</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Acción</translation>
    </message>
    <message>
        <source>Requests for help</source>
        <translation>Peticiones de ayuda</translation>
    </message>
    <message>
        <source>Open requests for help from your team, oldest first.</source>
        <translation>Peticiones de ayuda abiertas de tu equipo, la más antigua primero.</translation>
    </message>
    <message>
        <source>Acknowledging…</source>
        <translation>Atendiendo…</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>Atender</translation>
    </message>
    <message>
        <source>Acknowledge {kind} from {agent}</source>
        <translation>Atender «{kind}» de {agent}</translation>
    </message>
    <message>
        <source>Tell the agent you are on it; the server records who and when.</source>
        <translation>Avisa al agente de que te ocupas; el servidor registra quién y cuándo.</translation>
    </message>
</context>
<context>
    <name>GroupBox</name>
    <message>
        <source>{group} data</source>
        <translation>Datos de {group}</translation>
    </message>
    <message>
        <source>Show {group}</source>
        <translation>Mostrar {group}</translation>
    </message>
    <message>
        <source>Masked: {reason}</source>
        <translation>Oculto: {reason}</translation>
    </message>
    <message>
        <source>Allowed for this caller. Opening it is recorded.</source>
        <translation>Permitido para esta persona. Abrirlo queda registrado.</translation>
    </message>
</context>
<context>
    <name>LockCallStrip</name>
    <message>
        <source>While the workstation is locked, new calls do not ring: callers hear busy. Unlock to take calls again.</source>
        <translation>Con el puesto bloqueado, las llamadas nuevas no suenan: quien llama oye ocupado. Desbloquee para volver a recibir llamadas.</translation>
    </message>
    <message>
        <source>Calls while locked</source>
        <translation>Llamadas con el puesto bloqueado</translation>
    </message>
    <message>
        <source>Your call</source>
        <translation>Su llamada</translation>
    </message>
    <message>
        <source>Call state</source>
        <translation>Estado de la llamada</translation>
    </message>
    <message>
        <source>Call duration</source>
        <translation>Duración de la llamada</translation>
    </message>
    <message>
        <source>Caller (masked)</source>
        <translation>Quien llama (oculto)</translation>
    </message>
    <message>
        <source>Call encryption</source>
        <translation>Cifrado de la llamada</translation>
    </message>
    <message>
        <source>Hold and microphone</source>
        <translation>Espera y micrófono</translation>
    </message>
    <message>
        <source>Other calls</source>
        <translation>Otras llamadas</translation>
    </message>
    <message>
        <source>Its audio continues. Patient details return after you unlock.</source>
        <translation>El audio continúa. Los datos del paciente vuelven al desbloquear.</translation>
    </message>
    <message>
        <source>While locked</source>
        <translation>Mientras está bloqueado</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Atajos de teclado</translation>
    </message>
    <message>
        <source>Call problem</source>
        <translation>Problema con la llamada</translation>
    </message>
    <message>
        <source>☎ Incoming call</source>
        <translation>☎ Llamada entrante</translation>
    </message>
    <message>
        <source>☎ Call in progress</source>
        <translation>☎ Llamada en curso</translation>
    </message>
    <message>
        <source>☎ Connecting…</source>
        <translation>☎ Conectando…</translation>
    </message>
    <message>
        <source>On hold</source>
        <translation>La llamada está en espera</translation>
    </message>
    <message>
        <source>Microphone off (muted)</source>
        <translation>Micrófono apagado (silenciado)</translation>
    </message>
    <message numerus="yes">
        <source>%n other call(s) in progress</source>
        <translation>
            <numerusform>%n llamada más en curso</numerusform>
            <numerusform>%n llamadas más en curso</numerusform>
        </translation>
    </message>
    <message>
        <source>You can answer without unlocking. The caller&apos;s record opens after you unlock.</source>
        <translation>Puede contestar sin desbloquear. La ficha de quien llama se abre al desbloquear.</translation>
    </message>
    <message>
        <source>Keys: {answer} answers.</source>
        <translation>Teclas: {answer} contesta.</translation>
    </message>
    <message>
        <source>Keys: {hold} hold or resume, {mute} mute or unmute, {hangup} hang up.</source>
        <translation>Teclas: {hold} pone en espera o reanuda, {mute} silencia o activa el micrófono, {hangup} cuelga.</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>Contestar</translation>
    </message>
    <message>
        <source>Answer the incoming call</source>
        <translation>Contestar la llamada entrante</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Rechazar</translation>
    </message>
    <message>
        <source>Reject the incoming call</source>
        <translation>Rechazar la llamada entrante</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Reanudar</translation>
    </message>
    <message>
        <source>Resume the call</source>
        <translation>Reanudar la llamada</translation>
    </message>
    <message>
        <source>Hold</source>
        <translation>En espera</translation>
    </message>
    <message>
        <source>Put the call on hold</source>
        <translation>Poner la llamada en espera</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>Activar micrófono</translation>
    </message>
    <message>
        <source>Turn your microphone back on</source>
        <translation>Volver a activar su micrófono</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Silenciar</translation>
    </message>
    <message>
        <source>Mute your microphone</source>
        <translation>Silenciar su micrófono</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>Colgar</translation>
    </message>
    <message>
        <source>Hang up the call</source>
        <translation>Colgar la llamada</translation>
    </message>
    <message>
        <source>{action} ({keys})</source>
        <translation>{action} ({keys})</translation>
    </message>
</context>
<context>
    <name>LockScreen</name>
    <message>
        <source>Lock screen</source>
        <translation>Pantalla de bloqueo</translation>
    </message>
    <message>
        <source>Workstation locked</source>
        <translation>Puesto bloqueado</translation>
    </message>
    <message>
        <source>Why the workstation locked</source>
        <translation>Por qué se bloqueó el puesto</translation>
    </message>
    <message>
        <source>Locked.</source>
        <translation>Bloqueado.</translation>
    </message>
    <message>
        <source>Signed in as %1</source>
        <translation>Sesión iniciada como %1</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Agent Desktop</source>
        <translation>Agent Desktop</translation>
    </message>
    <message>
        <source>Agent Desktop %1</source>
        <translation>Agent Desktop %1</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Bloquear</translation>
    </message>
    <message>
        <source>Available</source>
        <translation>Disponible</translation>
    </message>
    <message>
        <source>Not ready</source>
        <translation>No disponible</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Ajustes</translation>
    </message>
</context>
<context>
    <name>MessagePanel</name>
    <message>
        <source>Message</source>
        <translation>Mensaje</translation>
    </message>
</context>
<context>
    <name>MonitorNotice</name>
    <message>
        <source>Monitoring notice</source>
        <translation>Aviso de supervisión</translation>
    </message>
    <message>
        <source>Your team lead {0} is listening to this call.</source>
        <translation>Su supervisor {0} está escuchando esta llamada.</translation>
    </message>
    <message>
        <source>Your team lead {0} is coaching you: only you hear them.</source>
        <translation>Su supervisor {0} le está orientando: solo usted le oye.</translation>
    </message>
    <message>
        <source>Your team lead {0} has joined the call: the caller hears them too.</source>
        <translation>Su supervisor {0} se ha unido a la llamada: quien llama también le oye.</translation>
    </message>
</context>
<context>
    <name>PasswordRules</name>
    <message>
        <source>Password rules</source>
        <translation>Reglas de la contraseña</translation>
    </message>
    <message numerus="yes">
        <source>At least %n characters</source>
        <translation>
            <numerusform>Al menos %n carácter</numerusform>
            <numerusform>Al menos %n caracteres</numerusform>
        </translation>
    </message>
    <message>
        <source>Not your agent id</source>
        <translation>Distinta de su id de agente</translation>
    </message>
    <message>
        <source>5 or more different characters</source>
        <translation>5 o más caracteres distintos</translation>
    </message>
    <message>
        <source>Not a common password</source>
        <translation>No es una contraseña común</translation>
    </message>
    <message>
        <source>No keyboard sequence</source>
        <translation>Sin secuencias de teclado</translation>
    </message>
    <message>
        <source>Both entries match</source>
        <translation>Las dos entradas coinciden</translation>
    </message>
    <message>
        <source>met</source>
        <translation>cumplida</translation>
    </message>
    <message>
        <source>not met</source>
        <translation>no cumplida</translation>
    </message>
</context>
<context>
    <name>PatientPanel</name>
    <message>
        <source>Caller&apos;s record</source>
        <translation>Ficha de quien llama</translation>
    </message>
    <message>
        <source>Record lookup</source>
        <translation>Búsqueda de ficha</translation>
    </message>
    <message>
        <source>Matching records (masked until verified)</source>
        <translation>Fichas coincidentes (ocultas hasta verificar)</translation>
    </message>
    <message>
        <source>Use this record</source>
        <translation>Usar esta ficha</translation>
    </message>
    <message>
        <source>Use the selected record</source>
        <translation>Usar la ficha seleccionada</translation>
    </message>
    <message>
        <source>Family name</source>
        <translation>Apellidos</translation>
    </message>
    <message>
        <source>Given name</source>
        <translation>Nombre</translation>
    </message>
    <message>
        <source>YYYY-MM-DD</source>
        <translation>AAAA-MM-DD</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Fecha de nacimiento</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Buscar</translation>
    </message>
    <message>
        <source>Search the directory</source>
        <translation>Buscar en el directorio</translation>
    </message>
    <message>
        <source>Looking up the caller&apos;s number…</source>
        <translation>Buscando el número de quien llama…</translation>
    </message>
    <message>
        <source>No record matches the caller&apos;s number. Search by name and date of birth.</source>
        <translation>Ninguna ficha coincide con el número. Busque por nombre y fecha de nacimiento.</translation>
    </message>
    <message>
        <source>The directory is unavailable. Search by name and date of birth (records seen recently are kept on this workstation).</source>
        <translation>El directorio no está disponible. Busque por nombre y fecha de nacimiento (las fichas vistas hace poco se guardan en este puesto).</translation>
    </message>
    <message>
        <source>The caller&apos;s number was withheld. Search by name and date of birth.</source>
        <translation>El número de quien llama está oculto. Busque por nombre y fecha de nacimiento.</translation>
    </message>
    <message>
        <source>{n} record(s) match. Ask the caller&apos;s name, then pick one.</source>
        <translation>{n} ficha(s) coinciden. Pregunte el nombre y elija una.</translation>
    </message>
    <message>
        <source>(from this workstation&apos;s cache: the directory is offline)</source>
        <translation>(de la caché de este puesto: el directorio no está disponible)</translation>
    </message>
    <message>
        <source>Record chosen. Verify the caller before anything is discussed.</source>
        <translation>Ficha elegida. Verifique a quien llama antes de hablar de nada.</translation>
    </message>
    <message>
        <source>{initials} · born {year}</source>
        <translation>{initials} · nacido/a en {year}</translation>
    </message>
</context>
<context>
    <name>PhiView</name>
    <message>
        <source>Nothing on file.</source>
        <translation>Nada registrado.</translation>
    </message>
    <message>
        <source>Saved copy (the directory is offline):</source>
        <translation>Copia guardada (el directorio no está disponible):</translation>
    </message>
    <message>
        <source>Patient data</source>
        <translation>Datos del paciente</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Dirección</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Teléfono</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>Correo electrónico</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>Contacto</translation>
    </message>
    <message>
        <source>Preferred language</source>
        <translation>Idioma preferido</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>Sexo</translation>
    </message>
    <message>
        <source>Next appointment</source>
        <translation>Próxima cita</translation>
    </message>
    <message>
        <source>Upcoming appointment</source>
        <translation>Cita programada</translation>
    </message>
    <message>
        <source>Cancelled appointment</source>
        <translation>Cita cancelada</translation>
    </message>
    <message>
        <source>Missed appointment</source>
        <translation>Cita perdida</translation>
    </message>
    <message>
        <source>Past appointment</source>
        <translation>Cita pasada</translation>
    </message>
    <message>
        <source>Medication</source>
        <translation>Medicamento</translation>
    </message>
    <message>
        <source>Lab result</source>
        <translation>Resultado de laboratorio</translation>
    </message>
    <message>
        <source>Care plan</source>
        <translation>Plan de cuidados</translation>
    </message>
    <message>
        <source>Goal</source>
        <translation>Objetivo</translation>
    </message>
    <message>
        <source>Activity</source>
        <translation>Actividad</translation>
    </message>
    <message>
        <source>Condition</source>
        <translation>Diagnóstico</translation>
    </message>
    <message>
        <source>Coverage</source>
        <translation>Cobertura</translation>
    </message>
    <message>
        <source>Claim</source>
        <translation>Reclamación</translation>
    </message>
    <message>
        <source>booked</source>
        <translation>reservada</translation>
    </message>
    <message>
        <source>attended</source>
        <translation>atendida</translation>
    </message>
    <message>
        <source>no-show</source>
        <translation>no acudió</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>cancelada</translation>
    </message>
    <message>
        <source>arrived</source>
        <translation>llegó</translation>
    </message>
    <message>
        <source>checked in</source>
        <translation>registrada a la llegada</translation>
    </message>
    <message>
        <source>pending</source>
        <translation>pendiente</translation>
    </message>
    <message>
        <source>proposed</source>
        <translation>propuesta</translation>
    </message>
    <message>
        <source>high</source>
        <translation>alto</translation>
    </message>
    <message>
        <source>critical high</source>
        <translation>críticamente alto</translation>
    </message>
    <message>
        <source>low</source>
        <translation>bajo</translation>
    </message>
    <message>
        <source>critical low</source>
        <translation>críticamente bajo</translation>
    </message>
    <message>
        <source>normal</source>
        <translation>normal</translation>
    </message>
    <message>
        <source>abnormal</source>
        <translation>anormal</translation>
    </message>
    <message>
        <source>English</source>
        <translation>inglés</translation>
    </message>
    <message>
        <source>Spanish</source>
        <translation>español</translation>
    </message>
    <message>
        <source>female</source>
        <translation>femenino</translation>
    </message>
    <message>
        <source>male</source>
        <translation>masculino</translation>
    </message>
    <message>
        <source>other</source>
        <translation>otro</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>desconocido</translation>
    </message>
    <message>
        <source>home</source>
        <translation>casa</translation>
    </message>
    <message>
        <source>work</source>
        <translation>trabajo</translation>
    </message>
    <message>
        <source>mobile</source>
        <translation>móvil</translation>
    </message>
    <message>
        <source>temporary</source>
        <translation>temporal</translation>
    </message>
    <message>
        <source>old</source>
        <translation>antiguo</translation>
    </message>
    <message>
        <source>active</source>
        <translation>activo</translation>
    </message>
    <message>
        <source>inactive</source>
        <translation>inactivo</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>suspendido</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>finalizado</translation>
    </message>
    <message>
        <source>complete</source>
        <translation>completado</translation>
    </message>
    <message>
        <source>on hold</source>
        <translation>en pausa</translation>
    </message>
    <message>
        <source>draft</source>
        <translation>borrador</translation>
    </message>
    <message>
        <source>revoked</source>
        <translation>revocado</translation>
    </message>
    <message>
        <source>entered in error</source>
        <translation>introducido por error</translation>
    </message>
    <message>
        <source>final</source>
        <translation>definitivo</translation>
    </message>
    <message>
        <source>preliminary</source>
        <translation>preliminar</translation>
    </message>
    <message>
        <source>amended</source>
        <translation>modificado</translation>
    </message>
    <message>
        <source>corrected</source>
        <translation>corregido</translation>
    </message>
    <message>
        <source>registered</source>
        <translation>registrado</translation>
    </message>
    <message>
        <source>in progress</source>
        <translation>en curso</translation>
    </message>
    <message>
        <source>scheduled</source>
        <translation>programado</translation>
    </message>
    <message>
        <source>not started</source>
        <translation>sin empezar</translation>
    </message>
    <message>
        <source>recurrence</source>
        <translation>recurrencia</translation>
    </message>
    <message>
        <source>relapse</source>
        <translation>recaída</translation>
    </message>
    <message>
        <source>remission</source>
        <translation>remisión</translation>
    </message>
    <message>
        <source>resolved</source>
        <translation>resuelto</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>en cola</translation>
    </message>
    <message>
        <source>partial</source>
        <translation>parcial</translation>
    </message>
    <message>
        <source>error</source>
        <translation>error</translation>
    </message>
    <message>
        <source>{low}–{high}</source>
        <translation>{low}–{high}</translation>
    </message>
    <message>
        <source>below {high}</source>
        <translation>por debajo de {high}</translation>
    </message>
    <message>
        <source>above {low}</source>
        <translation>por encima de {low}</translation>
    </message>
    <message>
        <source>{label}: {values}</source>
        <translation>{label}: {values}</translation>
    </message>
</context>
<context>
    <name>PhiView/feminine</name>
    <message>
        <source>active</source>
        <translation>activa</translation>
    </message>
    <message>
        <source>inactive</source>
        <translation>inactiva</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>suspendida</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>finalizada</translation>
    </message>
    <message>
        <source>complete</source>
        <translation>completada</translation>
    </message>
    <message>
        <source>on hold</source>
        <translation>en pausa</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>cancelada</translation>
    </message>
    <message>
        <source>draft</source>
        <translation>borrador</translation>
    </message>
    <message>
        <source>revoked</source>
        <translation>revocada</translation>
    </message>
    <message>
        <source>entered in error</source>
        <translation>introducida por error</translation>
    </message>
    <message>
        <source>in progress</source>
        <translation>en curso</translation>
    </message>
    <message>
        <source>scheduled</source>
        <translation>programada</translation>
    </message>
    <message>
        <source>not started</source>
        <translation>sin empezar</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>en cola</translation>
    </message>
    <message>
        <source>partial</source>
        <translation>parcial</translation>
    </message>
    <message>
        <source>error</source>
        <translation>error</translation>
    </message>
</context>
<context>
    <name>PhiWords</name>
    <message>
        <source>1 refill</source>
        <translation>1 repetición</translation>
    </message>
    <message numerus="yes">
        <source>%n refills</source>
        <translation>
            <numerusform>%n repetición</numerusform>
            <numerusform>%n repeticiones</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PhonePanel</name>
    <message>
        <source>Phone</source>
        <translation>Teléfono</translation>
    </message>
    <message>
        <source>Number or name to call</source>
        <translation>Número o nombre al que llamar</translation>
    </message>
    <message>
        <source>Number to dial</source>
        <translation>Número a marcar</translation>
    </message>
    <message>
        <source>Key {key}</source>
        <translation>Tecla {key}</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>Llamar</translation>
    </message>
    <message>
        <source>Call the number</source>
        <translation>Llamar al número</translation>
    </message>
    <message>
        <source>Calls</source>
        <translation>Llamadas</translation>
    </message>
    <message>
        <source>Calls in progress</source>
        <translation>Llamadas en curso</translation>
    </message>
    <message>
        <source>Call duration</source>
        <translation>Duración de la llamada</translation>
    </message>
    <message>
        <source>Call encryption</source>
        <translation>Cifrado de la llamada</translation>
    </message>
    <message>
        <source>Call quality</source>
        <translation>Calidad de la llamada</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>Contestar</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>Colgar</translation>
    </message>
    <message>
        <source>Hold</source>
        <translation>En espera</translation>
    </message>
    <message>
        <source>Mute</source>
        <translation>Silenciar</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Rechazar</translation>
    </message>
    <message>
        <source>Consult</source>
        <translation>Consultar</translation>
    </message>
    <message>
        <source>{action} ({keys})</source>
        <translation>{action} ({keys})</translation>
    </message>
    <message>
        <source>Transfer to…</source>
        <translation>Transferir a…</translation>
    </message>
    <message>
        <source>Transfer target</source>
        <translation>Destino de la transferencia</translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation>Transferir</translation>
    </message>
    <message>
        <source>Blind transfer</source>
        <translation>Transferencia directa</translation>
    </message>
    <message>
        <source>Complete transfer</source>
        <translation>Completar transferencia</translation>
    </message>
    <message>
        <source>Complete the attended transfer</source>
        <translation>Completar la transferencia consultada</translation>
    </message>
    <message>
        <source>A call was refused: the caller offered no encryption (SRTP).</source>
        <translation>Se rechazó una llamada: quien llamaba no ofrecía cifrado (SRTP).</translation>
    </message>
    <message>
        <source>A call was refused: it offered no encryption (SRTP).</source>
        <translation>Se rechazó una llamada: no ofrecía cifrado (SRTP).</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Reanudar</translation>
    </message>
    <message>
        <source>Unmute</source>
        <translation>Activar micrófono</translation>
    </message>
    <message>
        <source>Incoming</source>
        <translation>Entrante</translation>
    </message>
    <message>
        <source>Outgoing</source>
        <translation>Saliente</translation>
    </message>
    <message>
        <source>ringing</source>
        <translation>sonando</translation>
    </message>
    <message>
        <source>calling</source>
        <translation>llamando</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>conectando</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>conectada</translation>
    </message>
    <message>
        <source>on hold</source>
        <translation>en espera</translation>
    </message>
    <message>
        <source>muted</source>
        <translation>silenciada</translation>
    </message>
    <message>
        <source>waiting for transfer</source>
        <translation>esperando transferencia</translation>
    </message>
    <message>
        <source>Duration {time}</source>
        <translation>Duración {time}</translation>
    </message>
    <message>
        <source>good</source>
        <translation>buena</translation>
    </message>
    <message>
        <source>fair</source>
        <translation>regular</translation>
    </message>
    <message>
        <source>poor</source>
        <translation>mala</translation>
    </message>
    <message>
        <source>Quality {words}: {loss:.0f} % loss, {jitter:.0f} ms jitter</source>
        <translation>Calidad {words}: {loss:.0f} % de pérdida, {jitter:.0f} ms de fluctuación</translation>
    </message>
    <message>
        <source>The phone is not running. Sign in first.</source>
        <translation>El teléfono no está en marcha. Inicie sesión primero.</translation>
    </message>
    <message>
        <source>Hang up or use Consult before placing another call.</source>
        <translation>Cuelgue o use Consultar antes de hacer otra llamada.</translation>
    </message>
    <message>
        <source>Type who to consult in the transfer field first.</source>
        <translation>Escriba primero a quién consultar en el campo de transferencia.</translation>
    </message>
</context>
<context>
    <name>RecentPanel</name>
    <message>
        <source>Recent calls</source>
        <translation>Llamadas recientes</translation>
    </message>
    <message>
        <source>Recent calls (numbers masked)</source>
        <translation>Llamadas recientes (números ocultos)</translation>
    </message>
    <message>
        <source>Show number</source>
        <translation>Mostrar número</translation>
    </message>
    <message>
        <source>Show the full number (recorded)</source>
        <translation>Mostrar el número completo (queda registrado)</translation>
    </message>
    <message>
        <source>Call back</source>
        <translation>Devolver llamada</translation>
    </message>
    <message>
        <source>Call this number back</source>
        <translation>Devolver la llamada a este número</translation>
    </message>
</context>
<context>
    <name>RecordingBadge</name>
    <message>
        <source>Call recording</source>
        <translation>Grabación de la llamada</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>Grabar</translation>
    </message>
    <message>
        <source>Start or stop recording this call</source>
        <translation>Iniciar o detener la grabación de esta llamada</translation>
    </message>
    <message>
        <source>● Recording notice playing…</source>
        <translation>● Sonando el aviso de grabación…</translation>
    </message>
    <message>
        <source>● Recording</source>
        <translation>● Grabando</translation>
    </message>
    <message>
        <source>Stop recording</source>
        <translation>Detener la grabación</translation>
    </message>
</context>
<context>
    <name>RingPanel</name>
    <message>
        <source>Incoming call</source>
        <translation>Llamada entrante</translation>
    </message>
    <message>
        <source>☎ Incoming call</source>
        <translation>☎ Llamada entrante</translation>
    </message>
    <message>
        <source>Caller (masked)</source>
        <translation>Quien llama (oculto)</translation>
    </message>
    <message>
        <source>Answer ({keys})</source>
        <translation>Contestar ({keys})</translation>
    </message>
    <message>
        <source>Answer the incoming call</source>
        <translation>Contestar la llamada entrante</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Rechazar</translation>
    </message>
    <message>
        <source>Reject the incoming call</source>
        <translation>Rechazar la llamada entrante</translation>
    </message>
    <message>
        <source>Incoming call from {number}</source>
        <translation>Llamada entrante de {number}</translation>
    </message>
</context>
<context>
    <name>RosterModel</name>
    <message>
        <source>Agent</source>
        <translation>Agente</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Estado</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Motivo</translation>
    </message>
    <message>
        <source>Time in state</source>
        <translation>Tiempo en el estado</translation>
    </message>
    <message>
        <source>Asking for help</source>
        <translation>Pide ayuda</translation>
    </message>
    <message>
        <source>SIP address</source>
        <translation>Dirección SIP</translation>
    </message>
    <message>
        <source>{agent} (team lead)</source>
        <translation>{agent} (supervisor)</translation>
    </message>
    <message>
        <source>{kind} since {time}</source>
        <translation>{kind} desde las {time}</translation>
    </message>
    <message numerus="yes">
        <source> (+%n more)</source>
        <translation>
            <numerusform> (+%n más)</numerusform>
            <numerusform> (+%n más)</numerusform>
        </translation>
    </message>
    <message>
        <source>{kind}: asked at {time}, waiting {waiting}</source>
        <translation>{kind}: pedida a las {time}, esperando {waiting}</translation>
    </message>
    <message>
        <source>No report from this workstation since {time}.</source>
        <translation>Este puesto no informa desde las {time}.</translation>
    </message>
</context>
<context>
    <name>RosterView</name>
    <message>
        <source>Team</source>
        <translation>Equipo</translation>
    </message>
    <message>
        <source>Team roster</source>
        <translation>Agentes del equipo</translation>
    </message>
    <message>
        <source>Your team&apos;s agents: state, reason, time in state and requests for help. Select an agent on a call to monitor it.</source>
        <translation>Los agentes de tu equipo: estado, motivo, tiempo en el estado y peticiones de ayuda. Selecciona un agente en llamada para supervisarla.</translation>
    </message>
    <message>
        <source>Requests for help</source>
        <translation>Peticiones de ayuda</translation>
    </message>
    <message>
        <source>Reading the roster…</source>
        <translation>Leyendo el equipo…</translation>
    </message>
    <message>
        <source>Show agents in state</source>
        <translation>Mostrar agentes en el estado</translation>
    </message>
    <message>
        <source>Shows only the agents in the chosen state.</source>
        <translation>Muestra solo los agentes en el estado elegido.</translation>
    </message>
    <message>
        <source>All states</source>
        <translation>Todos los estados</translation>
    </message>
    <message>
        <source>Find an agent</source>
        <translation>Buscar un agente</translation>
    </message>
    <message>
        <source>Find an agent by id</source>
        <translation>Buscar un agente por su identificador</translation>
    </message>
    <message>
        <source>Shows only the agents whose id contains these letters.</source>
        <translation>Muestra solo los agentes cuyo identificador contiene estas letras.</translation>
    </message>
    <message>
        <source>Only agents asking for help</source>
        <translation>Solo agentes que piden ayuda</translation>
    </message>
    <message>
        <source>Hides the agents who are not asking for help.</source>
        <translation>Oculta los agentes que no piden ayuda.</translation>
    </message>
    <message>
        <source>State:</source>
        <translation>Estado:</translation>
    </message>
    <message>
        <source>Select an agent who is on a call.</source>
        <translation>Selecciona un agente que esté en llamada.</translation>
    </message>
    <message>
        <source>The agent&apos;s phone answers a call from yours; the same button moves a session to this mode.</source>
        <translation>El teléfono del agente contesta una llamada del tuyo; el mismo botón pasa una sesión a este modo.</translation>
    </message>
    <message>
        <source>1 agent</source>
        <translation>1 agente</translation>
    </message>
    <message numerus="yes">
        <source>%n agents</source>
        <translation>
            <numerusform>%n agente</numerusform>
            <numerusform>%n agentes</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n available</source>
        <translation>
            <numerusform>%n disponible</numerusform>
            <numerusform>%n disponibles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n on call</source>
        <translation>
            <numerusform>%n en llamada</numerusform>
            <numerusform>%n en llamada</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n in after-call work</source>
        <translation>
            <numerusform>%n en trabajo posterior</numerusform>
            <numerusform>%n en trabajo posterior</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n not ready</source>
        <translation>
            <numerusform>%n no disponible</numerusform>
            <numerusform>%n no disponibles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n offline</source>
        <translation>
            <numerusform>%n desconectado</numerusform>
            <numerusform>%n desconectados</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n asking for help</source>
        <translation>
            <numerusform>%n pide ayuda</numerusform>
            <numerusform>%n piden ayuda</numerusform>
        </translation>
    </message>
    <message>
        <source>Team {team}</source>
        <translation>Equipo {team}</translation>
    </message>
    <message>
        <source>Updated {time}; refreshed every {seconds} s.</source>
        <translation>Actualizado a las {time}; se refresca cada {seconds} s.</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nunca</translation>
    </message>
    <message>
        <source>Roster not updated since {time}: {error}</source>
        <translation>Equipo sin actualizar desde las {time}: {error}</translation>
    </message>
    <message>
        <source>The roster cannot be shown: {error}</source>
        <translation>No se puede mostrar el equipo: {error}</translation>
    </message>
    <message>
        <source>you</source>
        <translation>ti</translation>
    </message>
    <message>
        <source>{kind} from {agent} acknowledged by {lead} at {time}.</source>
        <translation>«{kind}» de {agent} atendida por {lead} a las {time}.</translation>
    </message>
    <message>
        <source>Not acknowledged: {error}</source>
        <translation>No atendida: {error}</translation>
    </message>
    <message>
        <source>{agent} is on a call:</source>
        <translation>{agent} está en llamada:</translation>
    </message>
    <message>
        <source>Not done: {error}</source>
        <translation>No se hizo: {error}</translation>
    </message>
    <message>
        <source>Calling {agent}&apos;s phone…</source>
        <translation>Llamando al teléfono de {agent}…</translation>
    </message>
    <message>
        <source>Monitoring of {agent} ended.</source>
        <translation>Terminó la supervisión de {agent}.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Ajustes</translation>
    </message>
    <message>
        <source>Microphone</source>
        <translation>Micrófono</translation>
    </message>
    <message>
        <source>Headset or speaker</source>
        <translation>Auriculares o altavoz</translation>
    </message>
    <message>
        <source>Ringer</source>
        <translation>Timbre</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Idioma</translation>
    </message>
    <message>
        <source>Lock after inactivity</source>
        <translation>Bloquear tras inactividad</translation>
    </message>
    <message>
        <source>Lock the workstation</source>
        <translation>Bloquear el puesto</translation>
    </message>
    <message>
        <source>Become available</source>
        <translation>Pasar a disponible</translation>
    </message>
    <message>
        <source>Not ready</source>
        <translation>No disponible</translation>
    </message>
    <message>
        <source>Open settings</source>
        <translation>Abrir ajustes</translation>
    </message>
    <message>
        <source>The microphone for calls; System default follows the computer.</source>
        <translation>El micrófono para las llamadas; Predeterminado del sistema sigue al equipo.</translation>
    </message>
    <message>
        <source>Where you hear the caller; System default follows the computer.</source>
        <translation>Donde oye a quien llama; Predeterminado del sistema sigue al equipo.</translation>
    </message>
    <message>
        <source>Where the ringtone plays; empty: the headset or speaker.</source>
        <translation>Donde suena el timbre; vacío: los auriculares o el altavoz.</translation>
    </message>
    <message>
        <source>The language of every window; it changes at once.</source>
        <translation>El idioma de todas las ventanas; cambia al momento.</translation>
    </message>
    <message>
        <source>The workstation locks after this many minutes without input.</source>
        <translation>El puesto se bloquea tras estos minutos sin actividad.</translation>
    </message>
    <message>
        <source>The keys that lock the workstation.</source>
        <translation>Las teclas que bloquean el puesto.</translation>
    </message>
    <message>
        <source>The keys that make you available.</source>
        <translation>Las teclas que le ponen disponible.</translation>
    </message>
    <message>
        <source>The keys that make you not ready (first reason).</source>
        <translation>Las teclas que le ponen no disponible (primer motivo).</translation>
    </message>
    <message>
        <source>The keys that open these settings.</source>
        <translation>Las teclas que abren estos ajustes.</translation>
    </message>
    <message>
        <source>Settings sections</source>
        <translation>Secciones de ajustes</translation>
    </message>
    <message>
        <source>Audio</source>
        <translation>Audio</translation>
    </message>
    <message>
        <source>General</source>
        <translation>General</translation>
    </message>
    <message>
        <source>Shortcuts</source>
        <translation>Atajos</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Cerrar</translation>
    </message>
    <message>
        <source>Close settings</source>
        <translation>Cerrar ajustes</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>Predeterminado del sistema</translation>
    </message>
    <message>
        <source>%1 (not connected)</source>
        <translation>%1 (no conectado)</translation>
    </message>
    <message>
        <source>Play test tone</source>
        <translation>Reproducir tono de prueba</translation>
    </message>
    <message>
        <source>Play a test tone on the headset</source>
        <translation>Reproducir un tono de prueba en los auriculares</translation>
    </message>
    <message>
        <source>Headset test</source>
        <translation>Prueba de auriculares</translation>
    </message>
    <message>
        <source>Microphone level</source>
        <translation>Nivel del micrófono</translation>
    </message>
    <message>
        <source>Headset level</source>
        <translation>Nivel de los auriculares</translation>
    </message>
    <message>
        <source>A new device is used from the next call on.</source>
        <translation>Un dispositivo nuevo se usa a partir de la próxima llamada.</translation>
    </message>
    <message>
        <source>Devices, the test tone and the level meters are available once you are signed in.</source>
        <translation>Los dispositivos, el tono de prueba y los medidores de nivel están disponibles tras iniciar sesión.</translation>
    </message>
    <message>
        <source>Stop test tone</source>
        <translation>Detener tono de prueba</translation>
    </message>
    <message>
        <source> min</source>
        <translation> min</translation>
    </message>
    <message>
        <source>Set by your organisation</source>
        <translation>Fijado por su organización</translation>
    </message>
    <message>
        <source>Your organisation allows up to %1.</source>
        <translation>Su organización permite hasta %1.</translation>
    </message>
</context>
<context>
    <name>Shell</name>
    <message>
        <source>Locked after a period of inactivity.</source>
        <translation>Bloqueado tras un periodo de inactividad.</translation>
    </message>
    <message>
        <source>Locked because the screen locked.</source>
        <translation>Bloqueado porque se bloqueó la pantalla.</translation>
    </message>
    <message>
        <source>Locked because the computer went to sleep.</source>
        <translation>Bloqueado porque el equipo entró en suspensión.</translation>
    </message>
    <message>
        <source>You locked the workstation.</source>
        <translation>Usted bloqueó el puesto.</translation>
    </message>
    <message>
        <source>Locked.</source>
        <translation>Bloqueado.</translation>
    </message>
    <message>
        <source>IT revoked this workstation&apos;s access; its local data was wiped.</source>
        <translation>TI revocó el acceso de este puesto; sus datos locales se borraron.</translation>
    </message>
    <message>
        <source>Enrol again with a new token from IT.</source>
        <translation>Regístrese de nuevo con un código nuevo de TI.</translation>
    </message>
    <message>
        <source>This profile&apos;s vault was wiped.</source>
        <translation>Se borró la bóveda de este perfil.</translation>
    </message>
    <message>
        <source>You were signed out.</source>
        <translation>Se cerró su sesión.</translation>
    </message>
    <message>
        <source>Agent Desktop</source>
        <translation>Agent Desktop</translation>
    </message>
    <message>
        <source> at event %1</source>
        <translation> en el evento %1</translation>
    </message>
    <message>
        <source>The audit server found a break in this workstation&apos;s audit chain%1. Sync is paused until IT investigates; your work is still recorded on this workstation.</source>
        <translation>El servidor de auditoría encontró una ruptura en la cadena de auditoría de este puesto%1. La sincronización está en pausa hasta que TI investigue; su trabajo se sigue registrando en este puesto.</translation>
    </message>
    <message>
        <source>IT revoked this workstation&apos;s access. Its local data is being wiped.</source>
        <translation>TI revocó el acceso de este puesto. Sus datos locales se están borrando.</translation>
    </message>
    <message>
        <source>Signed in</source>
        <translation>Sesión iniciada</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>Bloqueado</translation>
    </message>
    <message>
        <source>Signed out</source>
        <translation>Sesión cerrada</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>Sin sesión</translation>
    </message>
    <message>
        <source>A call is in progress and will be ended.</source>
        <translation>Hay una llamada en curso y se terminará.</translation>
    </message>
    <message>
        <source>%1 audit event(s) have not reached the audit server yet; they are kept safely and sent at the next sign-in.</source>
        <translation>%1 evento(s) de auditoría aún no han llegado al servidor; se guardan de forma segura y se envían en el próximo inicio de sesión.</translation>
    </message>
    <message>
        <source>Quit Agent Desktop?</source>
        <translation>¿Salir de Agent Desktop?</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Salir</translation>
    </message>
    <message>
        <source>Keep working</source>
        <translation>Seguir trabajando</translation>
    </message>
</context>
<context>
    <name>ShellStatusBar</name>
    <message>
        <source>Phone registration</source>
        <translation>Registro del teléfono</translation>
    </message>
    <message>
        <source>Audit sync</source>
        <translation>Sincronización de auditoría</translation>
    </message>
    <message>
        <source>Vault</source>
        <translation>Bóveda</translation>
    </message>
    <message>
        <source>Policy</source>
        <translation>Política</translation>
    </message>
    <message>
        <source>Phone: registered</source>
        <translation>Teléfono: registrado</translation>
    </message>
    <message>
        <source>Phone: connecting…</source>
        <translation>Teléfono: conectando…</translation>
    </message>
    <message>
        <source>Phone: not registered</source>
        <translation>Teléfono: sin registrar</translation>
    </message>
    <message>
        <source>Phone: offline</source>
        <translation>Teléfono: sin conexión</translation>
    </message>
    <message>
        <source>Audit: not enrolled</source>
        <translation>Auditoría: sin registrar</translation>
    </message>
    <message>
        <source>Audit: sync halted</source>
        <translation>Auditoría: sincronización detenida</translation>
    </message>
    <message>
        <source>The audit server refused the chain.</source>
        <translation>El servidor de auditoría rechazó la cadena.</translation>
    </message>
    <message>
        <source>Audit: online</source>
        <translation>Auditoría: en línea</translation>
    </message>
    <message>
        <source>Audit: offline</source>
        <translation>Auditoría: sin conexión</translation>
    </message>
    <message numerus="yes">
        <source>%n waiting</source>
        <translation>
            <numerusform>%n en espera</numerusform>
            <numerusform>%n en espera</numerusform>
        </translation>
    </message>
    <message>
        <source>last sync %1</source>
        <translation>última sincronización %1</translation>
    </message>
    <message>
        <source>Vault: unlocked</source>
        <translation>Bóveda: desbloqueada</translation>
    </message>
    <message>
        <source>Vault: locked</source>
        <translation>Bóveda: bloqueada</translation>
    </message>
    <message numerus="yes">
        <source>%n setting(s) set by your organisation</source>
        <translation>
            <numerusform>%n ajuste fijado por su organización</numerusform>
            <numerusform>%n ajustes fijados por su organización</numerusform>
        </translation>
    </message>
    <message>
        <source>Policy file: %1</source>
        <translation>Archivo de política: %1</translation>
    </message>
</context>
<context>
    <name>SignInView</name>
    <message>
        <source>Managed by your organisation. Every access to patient data is recorded.</source>
        <translation>Gestionado por su organización. Cada acceso a datos de pacientes queda registrado.</translation>
    </message>
    <message>
        <source>Every access to patient data is recorded.</source>
        <translation>Cada acceso a datos de pacientes queda registrado.</translation>
    </message>
    <message>
        <source>Starting Agent Desktop…</source>
        <translation>Iniciando Agent Desktop…</translation>
    </message>
    <message>
        <source>Agent Desktop</source>
        <translation>Agent Desktop</translation>
    </message>
    <message>
        <source>Secure calls, verified callers</source>
        <translation>Llamadas seguras, llamantes verificados</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Iniciar sesión</translation>
    </message>
    <message>
        <source>Profile</source>
        <translation>Perfil</translation>
    </message>
    <message>
        <source>Forgot your password?</source>
        <translation>¿Olvidó su contraseña?</translation>
    </message>
    <message>
        <source>A forgotten vault password cannot be recovered.</source>
        <translation>Una contraseña de bóveda olvidada no se puede recuperar.</translation>
    </message>
    <message>
        <source>Ask IT to wipe this profile&apos;s vault and give you a new enrolment token; events not yet sent to the audit server are lost with the vault.</source>
        <translation>Pida a TI que borre la bóveda de este perfil y le dé un código de registro nuevo; los eventos aún no enviados al servidor de auditoría se pierden con la bóveda.</translation>
    </message>
</context>
<context>
    <name>TeamLeadWindow</name>
    <message>
        <source>Agent Desktop {version}: team lead</source>
        <translation>Agent Desktop {version}: supervisor</translation>
    </message>
</context>
<context>
    <name>Tour</name>
    <message>
        <source>Locked: sign in again with the demo password.</source>
        <translation>Bloqueado: vuelva a iniciar sesión con la contraseña de la demostración.</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message>
        <source>Not signed in</source>
        <translation>Sin sesión</translation>
    </message>
    <message>
        <source>Show Agent Desktop</source>
        <translation>Mostrar Agent Desktop</translation>
    </message>
    <message>
        <source>Available</source>
        <translation>Disponible</translation>
    </message>
    <message>
        <source>Not ready</source>
        <translation>No disponible</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Bloquear</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Salir</translation>
    </message>
    <message>
        <source>Agent Desktop</source>
        <translation>Agent Desktop</translation>
    </message>
    <message>
        <source>Agent Desktop — %1</source>
        <translation>Agent Desktop — %1</translation>
    </message>
</context>
<context>
    <name>UnlockForm</name>
    <message>
        <source>Vault password</source>
        <translation>Contraseña de la bóveda</translation>
    </message>
    <message>
        <source>Your vault password</source>
        <translation>Su contraseña de la bóveda</translation>
    </message>
    <message>
        <source>Next attempt possible in {time}</source>
        <translation>Próximo intento posible en {time}</translation>
    </message>
    <message>
        <source>Time until the next attempt</source>
        <translation>Tiempo hasta el próximo intento</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Desbloquear</translation>
    </message>
    <message>
        <source>Unlocking…</source>
        <translation>Desbloqueando…</translation>
    </message>
</context>
<context>
    <name>VaultStep</name>
    <message>
        <source>STEP 2 OF 2</source>
        <translation>PASO 2 DE 2</translation>
    </message>
    <message>
        <source>Protect your data</source>
        <translation>Proteja sus datos</translation>
    </message>
    <message>
        <source>Choose the password that unlocks this workstation&apos;s encrypted vault. It cannot be recovered: if you forget it, IT must wipe the vault and enrol the workstation again.</source>
        <translation>Elija la contraseña que desbloquea la bóveda cifrada de este puesto. No se puede recuperar: si la olvida, TI debe borrar la bóveda y registrar el puesto de nuevo.</translation>
    </message>
    <message>
        <source>Vault password</source>
        <translation>Contraseña de la bóveda</translation>
    </message>
    <message>
        <source>Repeat the vault password</source>
        <translation>Repita la contraseña de la bóveda</translation>
    </message>
    <message>
        <source>Phone account</source>
        <translation>Cuenta telefónica</translation>
    </message>
    <message>
        <source>SIP user name</source>
        <translation>Usuario SIP</translation>
    </message>
    <message>
        <source>SIP password</source>
        <translation>Contraseña SIP</translation>
    </message>
    <message>
        <source>Create vault and sign in</source>
        <translation>Crear la bóveda e iniciar sesión</translation>
    </message>
    <message>
        <source>Creating the vault…</source>
        <translation>Creando la bóveda…</translation>
    </message>
</context>
<context>
    <name>VerificationPanel</name>
    <message>
        <source>✔ Verified</source>
        <translation>✔ Verificado</translation>
    </message>
    <message>
        <source>✖ Not verified: nothing may be disclosed on this call</source>
        <translation>✖ No verificado: no se puede revelar nada en esta llamada</translation>
    </message>
    <message>
        <source>⇪ Escalated: a team lead must handle this caller</source>
        <translation>⇪ Escalado: un supervisor debe atender a esta persona</translation>
    </message>
    <message>
        <source>Verifying…</source>
        <translation>Verificando…</translation>
    </message>
    <message>
        <source>Identity verification</source>
        <translation>Verificación de identidad</translation>
    </message>
    <message>
        <source>Who is calling</source>
        <translation>Quién llama</translation>
    </message>
    <message>
        <source>Representative on file</source>
        <translation>Representante registrado</translation>
    </message>
    <message>
        <source>Representative</source>
        <translation>Representante</translation>
    </message>
    <message>
        <source>Start verification</source>
        <translation>Iniciar verificación</translation>
    </message>
    <message>
        <source>Verification status</source>
        <translation>Estado de la verificación</translation>
    </message>
    <message>
        <source>What to ask</source>
        <translation>Qué preguntar</translation>
    </message>
    <message>
        <source>Last answer</source>
        <translation>Última respuesta</translation>
    </message>
    <message>
        <source>Escalate to team lead</source>
        <translation>Escalar al supervisor</translation>
    </message>
    <message>
        <source>Escalate to a team lead</source>
        <translation>Escalar a un supervisor</translation>
    </message>
    <message>
        <source>consent on file</source>
        <translation>consentimiento registrado</translation>
    </message>
    <message>
        <source>consent expired</source>
        <translation>consentimiento caducado</translation>
    </message>
    <message>
        <source>consent revoked</source>
        <translation>consentimiento revocado</translation>
    </message>
    <message>
        <source>consent pending</source>
        <translation>consentimiento pendiente</translation>
    </message>
    <message>
        <source>no consent on file</source>
        <translation>sin consentimiento registrado</translation>
    </message>
    <message>
        <source>Pick the caller&apos;s record first.</source>
        <translation>Elija primero la ficha de quien llama.</translation>
    </message>
    <message>
        <source>Choose who is calling, then start verification.</source>
        <translation>Elija quién llama y luego inicie la verificación.</translation>
    </message>
    <message>
        <source>{n} miss(es) so far</source>
        <translation>{n} fallo(s) hasta ahora</translation>
    </message>
    <message>
        <source>about the patient</source>
        <translation>sobre el paciente</translation>
    </message>
    <message>
        <source>about the caller</source>
        <translation>sobre quien llama</translation>
    </message>
    <message>
        <source>Ask {n} of these, {about}:</source>
        <translation>Pregunte {n} de estos datos, {about}:</translation>
    </message>
    <message>
        <source>Ask each of these, {about}:</source>
        <translation>Pregunte cada uno de estos datos, {about}:</translation>
    </message>
    <message>
        <source>✔ {name} matches.</source>
        <translation>✔ {name} coincide.</translation>
    </message>
    <message>
        <source>? {name}: please ask again.</source>
        <translation>? {name}: vuelva a preguntar, por favor.</translation>
    </message>
    <message>
        <source>✖ {name} does not match the record.</source>
        <translation>✖ {name} no coincide con la ficha.</translation>
    </message>
</context>
<context>
    <name>WorkspaceFrame</name>
    <message>
        <source>Calls</source>
        <translation>Llamadas</translation>
    </message>
    <message>
        <source>Agent Desktop</source>
        <translation>Agent Desktop</translation>
    </message>
    <message>
        <source>Signed-in agent</source>
        <translation>Agente con sesión iniciada</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Ajustes</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Bloquear</translation>
    </message>
    <message>
        <source>Lock the workstation</source>
        <translation>Bloquear el puesto</translation>
    </message>
    <message>
        <source>No call right now</source>
        <translation>Ninguna llamada ahora</translation>
    </message>
    <message>
        <source>Incoming calls ring here. The caller&apos;s verification and, once verified, the patient&apos;s record appear beside the call.</source>
        <translation>Las llamadas entrantes suenan aquí. La verificación de quien llama y, una vez verificado, la ficha del paciente aparecen junto a la llamada.</translation>
    </message>
</context>
<context>
    <name>a11y</name>
    <message>
        <source>Adds the digit to the number, or sends it as a tone during a call.</source>
        <translation>Añade la cifra al número, o la envía como tono durante una llamada.</translation>
    </message>
    <message>
        <source>Places a call to the number typed above.</source>
        <translation>Llama al número escrito arriba.</translation>
    </message>
    <message>
        <source>Your calls now; choose one to act on it.</source>
        <translation>Sus llamadas en este momento; elija una para actuar sobre ella.</translation>
    </message>
    <message>
        <source>Answers the ringing call. Shortcut: {keys}.</source>
        <translation>Contesta la llamada que suena. Atajo: {keys}.</translation>
    </message>
    <message>
        <source>Ends the chosen call. Shortcut: {keys}.</source>
        <translation>Termina la llamada elegida. Atajo: {keys}.</translation>
    </message>
    <message>
        <source>Puts the call on hold or resumes it. Shortcut: {keys}.</source>
        <translation>Pone la llamada en espera o la reanuda. Atajo: {keys}.</translation>
    </message>
    <message>
        <source>Turns your microphone off or on. Shortcut: {keys}.</source>
        <translation>Apaga o enciende su micrófono. Atajo: {keys}.</translation>
    </message>
    <message>
        <source>Refuses the ringing call.</source>
        <translation>Rechaza la llamada que suena.</translation>
    </message>
    <message>
        <source>Holds this call and calls the person typed in the transfer field.</source>
        <translation>Pone esta llamada en espera y llama a la persona escrita en el campo de transferencia.</translation>
    </message>
    <message>
        <source>Who to transfer the call to or consult: a number or an extension.</source>
        <translation>A quién transferir o consultar: un número o una extensión.</translation>
    </message>
    <message>
        <source>Hands the call over to the person typed in the transfer field.</source>
        <translation>Pasa la llamada a la persona escrita en el campo de transferencia.</translation>
    </message>
    <message>
        <source>Joins the held caller with the person you consulted.</source>
        <translation>Une a quien espera con la persona consultada.</translation>
    </message>
    <message>
        <source>Your last calls, numbers masked.</source>
        <translation>Sus últimas llamadas, con los números ocultos.</translation>
    </message>
    <message>
        <source>Shows the chosen call&apos;s full number; this is recorded.</source>
        <translation>Muestra el número completo de la llamada elegida; queda registrado.</translation>
    </message>
    <message>
        <source>Calls the chosen number again.</source>
        <translation>Vuelve a llamar al número elegido.</translation>
    </message>
    <message>
        <source>How the call ended, for the records.</source>
        <translation>Cómo terminó la llamada, para el registro.</translation>
    </message>
    <message>
        <source>Your notes about the call; kept encrypted on this workstation.</source>
        <translation>Sus notas sobre la llamada; se guardan cifradas en este puesto.</translation>
    </message>
    <message>
        <source>Saves the disposition and the notes.</source>
        <translation>Guarda el resultado y las notas.</translation>
    </message>
    <message>
        <source>Gives you more after-call work time.</source>
        <translation>Le da más tiempo de trabajo posterior.</translation>
    </message>
    <message>
        <source>Ends after-call work; the next call may ring.</source>
        <translation>Termina el trabajo posterior; la siguiente llamada puede sonar.</translation>
    </message>
    <message>
        <source>Records that may be the caller&apos;s, masked until the caller is verified.</source>
        <translation>Fichas que pueden ser de quien llama, ocultas hasta verificarlo.</translation>
    </message>
    <message>
        <source>Uses the chosen record for verification.</source>
        <translation>Usa la ficha elegida para la verificación.</translation>
    </message>
    <message>
        <source>The patient&apos;s family name, for a search.</source>
        <translation>Los apellidos del paciente, para buscar.</translation>
    </message>
    <message>
        <source>The patient&apos;s given name, for a search.</source>
        <translation>El nombre del paciente, para buscar.</translation>
    </message>
    <message>
        <source>The patient&apos;s date of birth, for a search.</source>
        <translation>La fecha de nacimiento del paciente, para buscar.</translation>
    </message>
    <message>
        <source>Searches the directory by name and date of birth.</source>
        <translation>Busca en el directorio por nombre y fecha de nacimiento.</translation>
    </message>
    <message>
        <source>Who is calling: the patient or someone on their behalf.</source>
        <translation>Quién llama: el paciente o alguien en su nombre.</translation>
    </message>
    <message>
        <source>The representative on file who is calling.</source>
        <translation>El representante registrado que llama.</translation>
    </message>
    <message>
        <source>Starts the identity questions for this caller.</source>
        <translation>Inicia las preguntas de identidad para esta persona.</translation>
    </message>
    <message>
        <source>Asks a team lead to take over this caller.</source>
        <translation>Pide a un supervisor que atienda a esta persona.</translation>
    </message>
    <message>
        <source>Shows this part of the patient&apos;s data; opening it is recorded.</source>
        <translation>Muestra esta parte de los datos del paciente; abrirla queda registrado.</translation>
    </message>
    <message>
        <source>Starts or stops recording this call; the caller hears a notice first.</source>
        <translation>Inicia o detiene la grabación de esta llamada; quien llama oye antes un aviso.</translation>
    </message>
</context>
<context>
    <name>calls</name>
    <message>
        <source>Unknown caller</source>
        <translation>Llamante desconocido</translation>
    </message>
    <message>
        <source>Encrypted: TLS signalling, SRTP media ({suite})</source>
        <translation>Cifrada: señalización TLS, audio SRTP ({suite})</translation>
    </message>
    <message>
        <source>Media encrypted (SRTP {suite}); signalling not confirmed</source>
        <translation>Audio cifrado (SRTP {suite}); señalización sin confirmar</translation>
    </message>
    <message>
        <source>Encryption not yet confirmed</source>
        <translation>Cifrado aún sin confirmar</translation>
    </message>
    <message>
        <source>Demographics</source>
        <translation>Datos personales</translation>
    </message>
    <message>
        <source>Appointments</source>
        <translation>Citas</translation>
    </message>
    <message>
        <source>Medications</source>
        <translation>Medicación</translation>
    </message>
    <message>
        <source>Lab results</source>
        <translation>Resultados de laboratorio</translation>
    </message>
    <message>
        <source>Care plan</source>
        <translation>Plan de cuidados</translation>
    </message>
    <message>
        <source>Billing</source>
        <translation>Facturación</translation>
    </message>
    <message>
        <source>Shown after the caller is verified</source>
        <translation>Se muestra tras verificar a quien llama</translation>
    </message>
    <message>
        <source>Not needed for your role</source>
        <translation>No es necesario para su función</translation>
    </message>
    <message>
        <source>Not in the consent on file</source>
        <translation>No incluido en el consentimiento registrado</translation>
    </message>
    <message>
        <source>Not available to this kind of caller</source>
        <translation>No disponible para este tipo de llamante</translation>
    </message>
    <message>
        <source>Full name</source>
        <translation>Nombre completo</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Fecha de nacimiento</translation>
    </message>
    <message>
        <source>ZIP code</source>
        <translation>Código postal</translation>
    </message>
    <message>
        <source>Member ID</source>
        <translation>N.º de afiliado</translation>
    </message>
    <message>
        <source>SSN last 4</source>
        <translation>Últimos 4 del SSN</translation>
    </message>
    <message>
        <source>Verbal passcode</source>
        <translation>Clave verbal</translation>
    </message>
    <message>
        <source>Phone number</source>
        <translation>Número de teléfono</translation>
    </message>
    <message>
        <source>as the caller says it</source>
        <translation>tal como lo dice quien llama</translation>
    </message>
    <message>
        <source>YYYY-MM-DD or as said, e.g. March 4 1980</source>
        <translation>AAAA-MM-DD o como lo diga, p. ej. 4 de marzo de 1980</translation>
    </message>
    <message>
        <source>5 digits</source>
        <translation>5 dígitos</translation>
    </message>
    <message>
        <source>letters and digits from the card</source>
        <translation>letras y dígitos de la tarjeta</translation>
    </message>
    <message>
        <source>4 digits</source>
        <translation>4 dígitos</translation>
    </message>
    <message>
        <source>the words as said</source>
        <translation>las palabras tal como las dice</translation>
    </message>
    <message>
        <source>digits</source>
        <translation>dígitos</translation>
    </message>
    <message>
        <source>Resolved</source>
        <translation>Resuelta</translation>
    </message>
    <message>
        <source>Follow-up needed</source>
        <translation>Requiere seguimiento</translation>
    </message>
    <message>
        <source>Callback requested</source>
        <translation>Pidió que le devolvamos la llamada</translation>
    </message>
    <message>
        <source>Transferred</source>
        <translation>Transferida</translation>
    </message>
    <message>
        <source>Caller not verified</source>
        <translation>Llamante no verificado</translation>
    </message>
    <message>
        <source>Wrong number</source>
        <translation>Número equivocado</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <source>Wrong password (failed attempts: {failures}).</source>
        <translation>Contraseña incorrecta (intentos fallidos: {failures}).</translation>
    </message>
    <message>
        <source>Check Caps Lock and the keyboard layout. A forgotten password cannot be recovered: IT can reset your profile.</source>
        <translation>Compruebe Bloq Mayús y la distribución del teclado. Una contraseña olvidada no se puede recuperar: TI puede restablecer su perfil.</translation>
    </message>
    <message>
        <source>Too many failed attempts.</source>
        <translation>Demasiados intentos fallidos.</translation>
    </message>
    <message>
        <source>Wait {seconds} s, then try again; every attempt is recorded.</source>
        <translation>Espere {seconds} s y vuelva a intentarlo; cada intento queda registrado.</translation>
    </message>
    <message>
        <source>Your session is locked.</source>
        <translation>Su sesión está bloqueada.</translation>
    </message>
    <message>
        <source>Unlock it with your password.</source>
        <translation>Desbloquéela con su contraseña.</translation>
    </message>
    <message>
        <source>Your local data on this workstation is damaged and cannot be opened.</source>
        <translation>Sus datos locales en este puesto están dañados y no se pueden abrir.</translation>
    </message>
    <message>
        <source>Nothing was changed. Call IT support.</source>
        <translation>No se ha cambiado nada. Llame a soporte de TI.</translation>
    </message>
    <message>
        <source>That password is too weak.</source>
        <translation>Esa contraseña es demasiado débil.</translation>
    </message>
    <message>
        <source>Choose a longer passphrase, e.g. four unrelated words.</source>
        <translation>Elija una frase más larga, p. ej. cuatro palabras sin relación.</translation>
    </message>
    <message>
        <source>This workstation could not save your data (disk full or no permission).</source>
        <translation>Este puesto no pudo guardar sus datos (disco lleno o sin permiso).</translation>
    </message>
    <message>
        <source>Call IT support; nothing already saved was lost.</source>
        <translation>Llame a soporte de TI; no se perdió nada de lo ya guardado.</translation>
    </message>
    <message>
        <source>The desktop&apos;s secure keyring is not available.</source>
        <translation>El llavero seguro del escritorio no está disponible.</translation>
    </message>
    <message>
        <source>Sign out of the computer and in again; if it persists, call IT support.</source>
        <translation>Cierre la sesión del equipo y vuelva a entrar; si persiste, llame a soporte de TI.</translation>
    </message>
    <message>
        <source>This workstation&apos;s device key is gone from the keyring, so your profile cannot be opened.</source>
        <translation>La clave de este puesto ya no está en el llavero, así que su perfil no se puede abrir.</translation>
    </message>
    <message>
        <source>Call IT support to enrol the workstation again.</source>
        <translation>Llame a soporte de TI para registrar el puesto de nuevo.</translation>
    </message>
    <message>
        <source>The audit server cannot be reached.</source>
        <translation>No se puede contactar con el servidor de auditoría.</translation>
    </message>
    <message>
        <source>Check the network, then try again.</source>
        <translation>Compruebe la red y vuelva a intentarlo.</translation>
    </message>
    <message>
        <source>The audit server refused the enrolment token.</source>
        <translation>El servidor de auditoría rechazó el código de registro.</translation>
    </message>
    <message>
        <source>Tokens work once: ask IT for a new one.</source>
        <translation>Cada código sirve una vez: pida otro a TI.</translation>
    </message>
    <message>
        <source>The phone system refused to sign you in.</source>
        <translation>La centralita rechazó su inicio de sesión.</translation>
    </message>
    <message>
        <source>Calls cannot ring here; call IT support.</source>
        <translation>Las llamadas no pueden sonar aquí; llame a soporte de TI.</translation>
    </message>
    <message>
        <source>A call was refused because it offered no encryption (SRTP).</source>
        <translation>Se rechazó una llamada porque no ofrecía cifrado (SRTP).</translation>
    </message>
    <message>
        <source>The phone is not running.</source>
        <translation>El teléfono no está en marcha.</translation>
    </message>
    <message>
        <source>Sign in first.</source>
        <translation>Inicie sesión primero.</translation>
    </message>
    <message>
        <source>The roster is not connected.</source>
        <translation>El equipo no está conectado.</translation>
    </message>
    <message>
        <source>The agent&apos;s phone has no address on the roster.</source>
        <translation>El teléfono del agente no tiene dirección en el equipo.</translation>
    </message>
    <message>
        <source>Wait until the agent&apos;s phone is registered.</source>
        <translation>Espera a que el teléfono del agente esté registrado.</translation>
    </message>
    <message>
        <source>You are already monitoring a call.</source>
        <translation>Ya estás supervisando una llamada.</translation>
    </message>
    <message>
        <source>Hang up the monitoring call first.</source>
        <translation>Cuelga primero la llamada de supervisión.</translation>
    </message>
    <message>
        <source>No monitoring session is up.</source>
        <translation>No hay ninguna sesión de supervisión activa.</translation>
    </message>
    <message>
        <source>Start with Listen.</source>
        <translation>Empieza con Escuchar.</translation>
    </message>
</context>
<context>
    <name>teamlead</name>
    <message>
        <source>Available</source>
        <translation>Disponible</translation>
    </message>
    <message>
        <source>On call</source>
        <translation>En llamada</translation>
    </message>
    <message>
        <source>After-call work</source>
        <translation>Trabajo posterior a la llamada</translation>
    </message>
    <message>
        <source>Not ready</source>
        <translation>No disponible</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Desconectado</translation>
    </message>
    <message>
        <source>Minor patient</source>
        <translation>Paciente menor de edad</translation>
    </message>
    <message>
        <source>Caller type: other</source>
        <translation>Tipo de llamante: otro</translation>
    </message>
    <message>
        <source>Possible social engineering</source>
        <translation>Posible ingeniería social</translation>
    </message>
    <message>
        <source>Needs help</source>
        <translation>Necesita ayuda</translation>
    </message>
    <message>
        <source>Monitoring is not available on this workstation.</source>
        <translation>La supervisión no está disponible en este puesto.</translation>
    </message>
    <message>
        <source>Listen</source>
        <translation>Escuchar</translation>
    </message>
    <message>
        <source>Whisper</source>
        <translation>Susurrar</translation>
    </message>
    <message>
        <source>Barge</source>
        <translation>Intervenir</translation>
    </message>
    <message>
        <source>Hang up</source>
        <translation>Colgar</translation>
    </message>
    <message>
        <source>Listen to the selected agent&apos;s call</source>
        <translation>Escuchar la llamada del agente seleccionado</translation>
    </message>
    <message>
        <source>Whisper to the selected agent</source>
        <translation>Susurrar al agente seleccionado</translation>
    </message>
    <message>
        <source>Barge into the selected agent&apos;s call</source>
        <translation>Intervenir en la llamada del agente seleccionado</translation>
    </message>
    <message>
        <source>Listening to {agent}: nobody hears you.</source>
        <translation>Escuchando a {agent}: nadie te oye.</translation>
    </message>
    <message>
        <source>Coaching {agent}: only the agent hears you.</source>
        <translation>Guiando a {agent}: solo te oye el agente.</translation>
    </message>
    <message>
        <source>In {agent}&apos;s call: the agent and the caller hear you.</source>
        <translation>En la llamada de {agent}: te oyen el agente y el llamante.</translation>
    </message>
    <message>
        <source>You hung up.</source>
        <translation>Colgaste.</translation>
    </message>
    <message>
        <source>The agent&apos;s call ended.</source>
        <translation>La llamada del agente terminó.</translation>
    </message>
    <message>
        <source>The agent&apos;s phone refused the monitoring call.</source>
        <translation>El teléfono del agente rechazó la llamada de supervisión.</translation>
    </message>
</context>
</TS>
