# Operational entry point for every chart. `make help` lists the targets.
# Everything outside the gen:begin/gen:end markers is yours to edit.

.DEFAULT_GOAL := help

# gen:begin makefile
# Generated from specs/*.yaml: one include per chart, cross-chart backup and
# restore in dependency order, and `make help`.
# Usage: make <chart>-<target> [NAMESPACE=...] [RELEASE=...] [KUBECTL=...]

include make/airflow.mk
include make/alertmanager.mk
include make/blackbox-exporter.mk
include make/browserless-chrome.mk
include make/devpi.mk
include make/elasticsearch.mk
include make/grafana.mk
include make/harbor.mk
include make/immich.mk
include make/jellyfin.mk
include make/jenkins.mk
include make/kafka.mk
include make/keycloak.mk
include make/kube-state-metrics.mk
include make/loki.mk
include make/memcached.mk
include make/mimir.mk
include make/minio.mk
include make/mlflow.mk
include make/mongodb.mk
include make/mysql.mk
include make/nextcloud.mk
include make/node-exporter.mk
include make/opentelemetry-collector.mk
include make/paperless-ngx.mk
include make/pgadmin.mk
include make/phpmyadmin.mk
include make/postgresql.mk
include make/prometheus.mk
include make/promtail.mk
include make/pushgateway.mk
include make/rabbitmq.mk
include make/redis.mk
include make/rsshub.mk
include make/tempo.mk
include make/uptime-kuma.mk
include make/vaultwarden.mk
include make/wireguard.mk
include make/wordpress.mk

# Charts in restore order: every chart after the charts it depends on.
GEN_CHARTS := alertmanager blackbox-exporter browserless-chrome devpi elasticsearch jellyfin jenkins kafka kube-state-metrics memcached minio mongodb mysql node-exporter opentelemetry-collector postgresql prometheus pushgateway rabbitmq redis rsshub uptime-kuma vaultwarden wireguard airflow harbor immich keycloak loki mimir mlflow nextcloud paperless-ngx pgadmin phpmyadmin tempo wordpress grafana promtail

# Cross-chart targets run the targets of several charts, each for its own
# release. Give a chart's variables as <chart>.VAR=value, e.g.
#   make restore-immich immich.RELEASE=photos postgresql.RELEASE=pg
# NAMESPACE, KUBECTL, AGE_RECIPIENT, AGE_KEY_FILE, PF_WAIT apply to every chart,
# unless <chart>.VAR gives one its own. Any other variable given plainly
# would apply to every chart, so it stops them, and each chart's targets get
# only its own values: none of a guide block's, none of another chart's.
GEN_SHARED := NAMESPACE KUBECTL AGE_RECIPIENT AGE_KEY_FILE PF_WAIT
gen_vars_airflow := NAMESPACE RELEASE FULLNAME BACKUP_DIR PG_SCRATCH_RELEASE \
  SUPER_URL REHEARSAL_DB_URL DAG_ID CONN_ID CLEAN_DAYS DB_NAME DB_SECRET \
  DB_SECRET_KEY CHART CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE \
  FILE GEN_FOR_RELEASE
gen_vars_alertmanager := NAMESPACE RELEASE FULLNAME BACKUP_DIR AM_CONFIG \
  ROUTE_LABELS SILENCE_MATCHERS SILENCE_DURATION SILENCE_COMMENT \
  BACKUP_CLAIM CHART CHART_VERSION HELPER_IMAGE AGE_RECIPIENT AGE_KEY_FILE \
  CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_blackbox-exporter := NAMESPACE RELEASE FULLNAME BACKUP_DIR \
  BLACKBOX_IMAGE TARGET MODULE CHART CHART_VERSION AGE_RECIPIENT \
  AGE_KEY_FILE FILE GEN_FOR_RELEASE
gen_vars_browserless-chrome := NAMESPACE RELEASE FULLNAME BACKUP_DIR \
  TEST_URL CHART CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE FILE \
  GEN_FOR_RELEASE
gen_vars_devpi := NAMESPACE RELEASE FULLNAME BACKUP_DIR DEVPI_URL \
  DEVPI_INDEX DEVPI_USER_PASSWORD TEST_PACKAGE REPLICA_NAMESPACE \
  REPLICA_RELEASE DEVPI_PVC CHART CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE \
  CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_elasticsearch := NAMESPACE RELEASE FULLNAME BACKUP_DIR ES_URL \
  KIBANA_URL S3_ACCESS_KEY S3_SECRET_KEY REPO SLM_POLICY SNAPSHOT INDEX \
  TARGET_VERSION CHART CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE \
  FILE GEN_FOR_RELEASE
gen_vars_grafana := NAMESPACE RELEASE FULLNAME BACKUP_DIR GF_SECRET CURLRC \
  SA_TOKEN DASHBOARD_UID DASHBOARDS_DIR PVC REPLICAS CHART CHART_VERSION \
  HELPER_IMAGE AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_harbor := NAMESPACE RELEASE FULLNAME BACKUP_DIR REDIS_NAMESPACE \
  REDIS_POD HARBOR_USER HARBOR_PASSWORD HARBOR_HOST TEST_IMAGE \
  REPLICATION_POLICY_ID SKIP_DB SKIP_BLOBS BLOBS DRY_RUN REPLICAS DB_HOST \
  DB_PORT DB_NAME DB_USER DB_SECRET DB_SECRET_KEY CHART CHART_VERSION \
  AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_immich := NAMESPACE RELEASE FULLNAME BACKUP_DIR DB_HOST DB_PORT \
  DB_NAME DB_USER DB_SECRET DB_SECRET_KEY PG_RELEASE IMMICH_USER_ID \
  IMMICH_API_KEY LIBRARY_ID CHART CHART_VERSION HELPER_IMAGE AGE_RECIPIENT \
  AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_jellyfin := NAMESPACE RELEASE FULLNAME BACKUP_DIR JELLYFIN_API_KEY \
  ARCHIVE_PATH REPLICAS CHART CHART_VERSION HELPER_IMAGE AGE_RECIPIENT \
  AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_jenkins := NAMESPACE RELEASE FULLNAME BACKUP_DIR JOB_NAME \
  JENKINS_PVC JENKINS_IMAGE REPLICAS CHART CHART_VERSION AGE_RECIPIENT \
  AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_kafka := NAMESPACE RELEASE FULLNAME BACKUP_DIR KAFKA_BIN BOOTSTRAP \
  BACKUP_BOOTSTRAP MM2_DEPLOYMENT MM2_REVERSE_DEPLOYMENT GROUP TOPIC \
  RESET_TO RESET_MODE CONSUMER_DEPLOYMENT TOPICS BROKERS PLAN THROTTLE \
  TARGET_VERSION CHART CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE \
  FILE GEN_FOR_RELEASE
gen_vars_keycloak := NAMESPACE RELEASE FULLNAME BACKUP_DIR \
  PG_SCRATCH_RELEASE KC_REPLICAS REALM KC_ADMIN_USER KC_ADMIN_PASSWORD \
  DB_HOST DB_PORT DB_NAME DB_USER DB_SECRET DB_SECRET_KEY CHART \
  CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_kube-state-metrics := NAMESPACE RELEASE FULLNAME BACKUP_DIR CHART \
  CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE FILE GEN_FOR_RELEASE
gen_vars_loki := NAMESPACE RELEASE FULLNAME BACKUP_DIR MC_ALIAS BACKUP_ALIAS \
  LOKI_BUCKET LOKI_SECRET LOKI_CONFIG LOKI_TENANT LOGQL CHART CHART_VERSION \
  AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_memcached := NAMESPACE RELEASE FULLNAME BACKUP_DIR LOCAL_PORT \
  SAMPLE_SECONDS MC_SECRETS CONFIRM_FLUSH FLUSH_STAGGER CHART CHART_VERSION \
  AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_mimir := NAMESPACE RELEASE FULLNAME BACKUP_DIR MC_ALIAS \
  BACKUP_ALIAS NEW_ALIAS MIMIR_BLOCKS_BUCKET MIMIR_RULER_BUCKET \
  MIMIR_AM_BUCKET MIMIR_SECRET MIMIR_TENANT RULES_DIR CHART CHART_VERSION \
  AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_minio := NAMESPACE RELEASE FULLNAME BACKUP_DIR MC_PORT OBJ_PATH \
  UNDO_FLAGS MINIO_IMAGE TARGET_IMAGE_REPO TARGET_VERSION AK SK CHART \
  CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_mlflow := NAMESPACE RELEASE FULLNAME BACKUP_DIR SUPER_URL \
  MINIO_NAMESPACE MINIO_SERVICE MLFLOW_BUCKET S3_ACCESS_KEY S3_SECRET_KEY \
  MLFLOW_IMAGE REHEARSAL_DB_URL EXPERIMENT_ID RUN_ID GC_OLDER_THAN SKIP_DB \
  SKIP_ARTIFACTS REPLICAS CHART CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE \
  CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_mongodb := NAMESPACE RELEASE FULLNAME BACKUP_DIR REPLSET \
  OPLOG_LIMIT RESTORE_NS MONGO_IMAGE TARGET_VERSION SOURCE_FCV CHART \
  CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_mysql := NAMESPACE RELEASE FULLNAME BACKUP_DIR BINLOG_DIR DATABASE \
  APP_DEPLOYMENT TARGET_VERSION ARCHIVER_PASSWORD CHART CHART_VERSION \
  AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_nextcloud := NAMESPACE RELEASE FULLNAME BACKUP_DIR DB_HOST DB_PORT \
  DB_NAME DB_USER DB_SECRET DB_SECRET_KEY NC_OLD_IMAGE BLOCKING_APP CHART \
  CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_node-exporter := NAMESPACE RELEASE FULLNAME BACKUP_DIR NODE \
  TEXTFILE_DIR HOST_TEXTFILE_DIR NODE_EXPORTER_IMAGE CHART CHART_VERSION \
  AGE_RECIPIENT AGE_KEY_FILE FILE GEN_FOR_RELEASE
gen_vars_opentelemetry-collector := NAMESPACE RELEASE FULLNAME BACKUP_DIR \
  OTEL_CONFIG OTEL_SECRET CHART CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE \
  CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_paperless-ngx := NAMESPACE RELEASE FULLNAME BACKUP_DIR DB_HOST \
  DB_PORT DB_NAME DB_USER DB_SECRET DB_SECRET_KEY CHART CHART_VERSION \
  AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_pgadmin := NAMESPACE RELEASE FULLNAME BACKUP_DIR PGADMIN_USER \
  NEW_USER_PASSWORD PGADMIN_PVC REPLICAS CHART CHART_VERSION AGE_RECIPIENT \
  AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_phpmyadmin := NAMESPACE RELEASE FULLNAME BACKUP_DIR DB_HOST DB_PORT \
  DB_NAME DB_USER DB_SECRET DB_SECRET_KEY CHART CHART_VERSION AGE_RECIPIENT \
  AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_postgresql := NAMESPACE RELEASE FULLNAME BACKUP_DIR PGUSER DB FILE \
  PGDATA BACKUP_PVC BASE TARGET_TIME NEW_RELEASE OLD_MAJOR APP_RELEASE CHART \
  CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE GEN_FOR_RELEASE
gen_vars_prometheus := NAMESPACE RELEASE FULLNAME BACKUP_DIR RULES_DIR QUERY \
  TOP TARGET_IMAGE ROLLBACK_REVISION CHART AGE_RECIPIENT AGE_KEY_FILE FILE \
  GEN_FOR_RELEASE
gen_vars_promtail := NAMESPACE RELEASE FULLNAME BACKUP_DIR PROMTAIL_CONFIG \
  POSITIONS_FILE SAMPLE_LINE LOKI_NAMESPACE CHART CHART_VERSION \
  AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_pushgateway := NAMESPACE RELEASE FULLNAME BACKUP_DIR \
  PERSISTENCE_FILE PUSHGATEWAY_IMAGE LOCAL_PORT JOB INSTANCE CONFIRM \
  SNAPSHOT CHART CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE \
  GEN_FOR_RELEASE
gen_vars_rabbitmq := NAMESPACE RELEASE FULLNAME BACKUP_DIR RABBITMQ_PVC \
  RABBITMQ_IMAGE VHOST TARGET_VERSION CHART CHART_VERSION AGE_RECIPIENT \
  AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_redis := NAMESPACE RELEASE FULLNAME BACKUP_DIR REDIS_PVC \
  REDIS_IMAGE REDIS_REPLICAS CLIENT_DEPLOYMENT KEY_PATTERN TARGET_VERSION \
  CHART CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE \
  GEN_FOR_RELEASE
gen_vars_rsshub := NAMESPACE RELEASE FULLNAME BACKUP_DIR ROUTE SECRET CHART \
  CHART_VERSION AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_tempo := NAMESPACE RELEASE FULLNAME BACKUP_DIR MC_ALIAS \
  BACKUP_ALIAS NEW_ALIAS TEMPO_BUCKET TEMPO_SECRET TEMPO_CONFIG TEMPO_TENANT \
  TEMPO_CLI_CONFIG TRACE_ID TRACEQL CHART CHART_VERSION AGE_RECIPIENT \
  AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
gen_vars_uptime-kuma := NAMESPACE RELEASE FULLNAME BACKUP_DIR REPLICAS CHART \
  CHART_VERSION HELPER_IMAGE AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE \
  GEN_FOR_RELEASE
gen_vars_vaultwarden := NAMESPACE RELEASE FULLNAME BACKUP_DIR REPLICAS CHART \
  CHART_VERSION HELPER_IMAGE AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE \
  GEN_FOR_RELEASE
gen_vars_wireguard := NAMESPACE RELEASE FULLNAME BACKUP_DIR WG_IF WG_CONF \
  IMAGE_TAG PEER PEER_PUBLIC_KEY SNAPSHOT CHART CHART_VERSION AGE_RECIPIENT \
  AGE_KEY_FILE FILE GEN_FOR_RELEASE
gen_vars_wordpress := NAMESPACE RELEASE FULLNAME BACKUP_DIR DB_HOST DB_PORT \
  DB_NAME DB_USER DB_SECRET DB_SECRET_KEY PLUGIN CHART CHART_VERSION \
  AGE_RECIPIENT AGE_KEY_FILE CONFIG_FILE FILE GEN_FOR_RELEASE
GEN_CROSS := backup-all restore-all $(addprefix backup-,$(GEN_CHARTS)) $(addprefix restore-,$(GEN_CHARTS))
# $(call gen_sh,text): the text as one shell word.
gen_sh = '$(subst ','\'',$(1))'
# $(call gen_q,value): the value as a shell word for a make command line,
# $ doubled: the chart's make expands it once, as it does a typed value.
gen_q = $(call gen_sh,$(subst $$,$$$$,$(1)))
# $(call gen_given,chart): the chart's variables given as <chart>.VAR.
gen_given = $(strip $(foreach v,$(filter-out $(GEN_SHARED),$(gen_vars_$(1))) $(GEN_SHARED),$(if $(filter undefined,$(origin $(1).$(v))),,$(v))))
# $(call gen_set,chart): VAR='value' for each <chart>.VAR given.
gen_set = $(foreach v,$(call gen_given,$(1)),$(v)=$(call gen_q,$($(1).$(v))))
# $(call gen_blank,chart): VAR='' for each of its own variables not given.
gen_blank = $(foreach v,$(filter-out $(GEN_SHARED) $(call gen_given,$(1)),$(gen_vars_$(1))),$(v)='')
# $(call gen_run,chart,target): run a chart's target with its own values, or
# only print it with DRY_RUN=1, the values as typed.
gen_run = $(if $(DRY_RUN),@printf '%s\n' $(call gen_sh,would run: make $(1)-$(2)$(if $(call gen_given,$(1)), $(call gen_set,$(1)))),@+$(MAKE) --no-print-directory $(1)-$(2) $(call gen_set,$(1)) $(call gen_blank,$(1)))

ifneq ($(filter $(GEN_CROSS),$(MAKECMDGOALS)),)
# Under make -j, each chart's target prints its lines together when it ends,
# not interleaved with the other charts' (make without -j prints as it goes).
# Only here: a chart's own targets (a shell, a port-forward) print at once.
MAKEFLAGS += --output-sync=target
gen_eg := $(or $(filter-out all,$(patsubst backup-%,%,$(patsubst restore-%,%,$(firstword $(filter $(GEN_CROSS),$(MAKECMDGOALS)))))),<chart>)
gen_own := $(filter-out $(GEN_SHARED) DRY_RUN GEN_FOR_RELEASE,$(sort $(foreach c,$(GEN_CHARTS),$(gen_vars_$(c)))))
gen_plain := $(strip $(foreach v,$(gen_own),$(if $(filter command line,$(origin $(v))),$(v))))
gen_dotted := $(strip $(foreach v,$(.VARIABLES),$(if $(findstring .,$(v)),$(if $(filter command line,$(origin $(v))),$(v)))))
gen_unknown := $(filter-out $(foreach c,$(GEN_CHARTS),$(addprefix $(c).,$(gen_vars_$(c)) $(GEN_SHARED))),$(gen_dotted))
gen_env := $(strip $(foreach v,$(gen_own),$(if $(filter environment%,$(origin $(v))),$(if $($(v)),$(v)))))
gen_env_shared := $(strip $(foreach v,$(GEN_SHARED),$(if $(filter environment%,$(origin $(v))),$(if $($(v)),$(v)=$(call gen_sh,$($(v)))))))
ifneq ($(gen_plain),)
$(error $(gen_plain) would apply to every chart $(filter $(GEN_CROSS),$(MAKECMDGOALS)) runs: give each chart its own as <chart>.VAR=value, e.g. $(gen_eg).$(firstword $(gen_plain))=$(call gen_sh,$($(firstword $(gen_plain)))); only $(GEN_SHARED) apply to all)
endif
ifneq ($(gen_unknown),)
$(error $(gen_unknown): not a variable of that chart's targets; a chart's variables are its gen_vars_<chart> list in this Makefile)
endif
ifneq ($(GEN_FOR_RELEASE),)
$(error this shell ran a guide's block for release $(GEN_FOR_RELEASE): cross-chart targets would not use its values; give each chart its own as <chart>.VAR=value, e.g. $(gen_eg).RELEASE=$(call gen_sh,$(GEN_FOR_RELEASE)), in a shell without the block or after unset GEN_FOR_RELEASE; the chart's own targets (make <chart>-backup) use the block)
endif
ifneq ($(gen_env),)
$(warning ignoring $(gen_env) from the environment: each chart's targets run with <chart>.VAR=value or the chart's default)
endif
ifneq ($(gen_env_shared),)
$(warning $(gen_env_shared) from the environment apply to every chart)
endif
ifneq ($(and $(DRY_RUN),$(filter environment%,$(origin DRY_RUN))),)
$(warning DRY_RUN=$(call gen_sh,$(DRY_RUN)) from the environment: only the plan is printed, nothing runs; DRY_RUN= on the command line runs it)
endif
endif

.PHONY: backup-all restore-all $(addprefix backup-,$(GEN_CHARTS)) $(addprefix restore-,$(GEN_CHARTS))
backup-all: $(addprefix backup-,$(GEN_CHARTS))
restore-all: $(addprefix restore-,$(GEN_CHARTS))

backup-airflow:
	$(call gen_run,airflow,backup-jobs)
	$(call gen_run,airflow,backup)
restore-airflow: restore-postgresql
	$(call gen_run,airflow,restore)
backup-alertmanager:
	$(call gen_run,alertmanager,backup-jobs)
	$(call gen_run,alertmanager,backup)
restore-alertmanager:
	$(call gen_run,alertmanager,restore)
backup-blackbox-exporter:
	$(call gen_run,blackbox-exporter,backup)
restore-blackbox-exporter:
	$(call gen_run,blackbox-exporter,restore)
backup-browserless-chrome:
	$(call gen_run,browserless-chrome,backup)
restore-browserless-chrome:
	$(call gen_run,browserless-chrome,restore)
backup-devpi:
	$(call gen_run,devpi,backup)
restore-devpi:
	$(call gen_run,devpi,restore)
backup-elasticsearch:
	$(call gen_run,elasticsearch,backup)
restore-elasticsearch:
	$(call gen_run,elasticsearch,restore)
backup-grafana:
	$(call gen_run,grafana,backup)
restore-grafana: restore-prometheus restore-loki
	$(call gen_run,grafana,restore)
backup-harbor:
	$(call gen_run,harbor,backup-jobs)
	$(call gen_run,harbor,backup)
restore-harbor: restore-postgresql restore-redis
	$(call gen_run,harbor,restore)
backup-immich:
	$(call gen_run,immich,backup)
	$(call gen_run,immich,config-backup)
restore-immich: restore-postgresql restore-redis
	$(call gen_run,immich,restore)
backup-jellyfin:
	$(call gen_run,jellyfin,backup)
	$(call gen_run,jellyfin,config-backup)
restore-jellyfin:
	$(call gen_run,jellyfin,restore)
backup-jenkins:
	$(call gen_run,jenkins,backup)
restore-jenkins:
	$(call gen_run,jenkins,restore)
backup-kafka:
	$(call gen_run,kafka,backup)
	$(call gen_run,kafka,config-backup)
restore-kafka:
	$(call gen_run,kafka,restore)
backup-keycloak:
	$(call gen_run,keycloak,backup-jobs)
	$(call gen_run,keycloak,backup)
restore-keycloak: restore-postgresql
	$(call gen_run,keycloak,restore)
backup-kube-state-metrics:
	$(call gen_run,kube-state-metrics,backup)
restore-kube-state-metrics:
	$(call gen_run,kube-state-metrics,restore)
backup-loki:
	$(call gen_run,loki,backup)
restore-loki: restore-minio
	$(call gen_run,loki,restore)
backup-memcached:
	$(call gen_run,memcached,backup)
restore-memcached:
	$(call gen_run,memcached,restore)
backup-mimir:
	$(call gen_run,mimir,backup)
restore-mimir: restore-minio
	$(call gen_run,mimir,restore)
backup-minio:
	$(call gen_run,minio,backup)
	$(call gen_run,minio,config-backup)
restore-minio:
	$(call gen_run,minio,restore)
backup-mlflow:
	$(call gen_run,mlflow,backup)
restore-mlflow: restore-postgresql restore-minio
	$(call gen_run,mlflow,restore)
backup-mongodb:
	$(call gen_run,mongodb,backup)
	$(call gen_run,mongodb,config-backup)
restore-mongodb:
	$(call gen_run,mongodb,restore)
backup-mysql:
	$(call gen_run,mysql,backup-jobs)
	$(call gen_run,mysql,backup)
restore-mysql:
	$(call gen_run,mysql,restore)
backup-nextcloud:
	$(call gen_run,nextcloud,backup)
	$(call gen_run,nextcloud,config-backup)
restore-nextcloud: restore-postgresql restore-redis
	$(call gen_run,nextcloud,restore)
backup-node-exporter:
	$(call gen_run,node-exporter,backup)
restore-node-exporter:
	$(call gen_run,node-exporter,restore)
backup-opentelemetry-collector:
	$(call gen_run,opentelemetry-collector,backup)
restore-opentelemetry-collector:
	$(call gen_run,opentelemetry-collector,restore)
backup-paperless-ngx:
	$(call gen_run,paperless-ngx,backup-jobs)
	$(call gen_run,paperless-ngx,backup)
	$(call gen_run,paperless-ngx,config-backup)
restore-paperless-ngx: restore-postgresql restore-redis
	$(call gen_run,paperless-ngx,restore)
backup-pgadmin:
	$(call gen_run,pgadmin,backup)
restore-pgadmin: restore-postgresql
	$(call gen_run,pgadmin,restore)
backup-phpmyadmin:
	$(call gen_run,phpmyadmin,backup)
restore-phpmyadmin: restore-mysql
	$(call gen_run,phpmyadmin,restore)
backup-postgresql:
	$(call gen_run,postgresql,backup-jobs)
	$(call gen_run,postgresql,backup)
	$(call gen_run,postgresql,backup-config)
restore-postgresql:
	$(call gen_run,postgresql,restore)
backup-prometheus:
	$(call gen_run,prometheus,backup)
restore-prometheus:
	$(call gen_run,prometheus,restore)
backup-promtail:
	$(call gen_run,promtail,backup)
restore-promtail: restore-loki
	$(call gen_run,promtail,restore)
backup-pushgateway:
	$(call gen_run,pushgateway,backup)
restore-pushgateway:
	$(call gen_run,pushgateway,restore)
backup-rabbitmq:
	$(call gen_run,rabbitmq,backup-jobs)
	$(call gen_run,rabbitmq,backup)
	$(call gen_run,rabbitmq,config-backup)
restore-rabbitmq:
	$(call gen_run,rabbitmq,restore)
backup-redis:
	$(call gen_run,redis,backup-jobs)
	$(call gen_run,redis,backup)
	$(call gen_run,redis,config-backup)
restore-redis:
	$(call gen_run,redis,restore)
backup-rsshub:
	$(call gen_run,rsshub,backup)
restore-rsshub:
	$(call gen_run,rsshub,restore)
backup-tempo:
	$(call gen_run,tempo,backup)
restore-tempo: restore-minio
	$(call gen_run,tempo,restore)
backup-uptime-kuma:
	$(call gen_run,uptime-kuma,backup)
	$(call gen_run,uptime-kuma,config-backup)
restore-uptime-kuma:
	$(call gen_run,uptime-kuma,restore)
backup-vaultwarden:
	$(call gen_run,vaultwarden,backup)
	$(call gen_run,vaultwarden,config-backup)
restore-vaultwarden:
	$(call gen_run,vaultwarden,restore)
backup-wireguard:
	$(call gen_run,wireguard,backup)
restore-wireguard:
	$(call gen_run,wireguard,restore)
backup-wordpress:
	$(call gen_run,wordpress,backup)
	$(call gen_run,wordpress,config-backup)
restore-wordpress: restore-mysql
	$(call gen_run,wordpress,restore)

.PHONY: help help-header
help: help-header help-airflow help-alertmanager help-blackbox-exporter help-browserless-chrome help-devpi help-elasticsearch help-grafana help-harbor help-immich help-jellyfin help-jenkins help-kafka help-keycloak help-kube-state-metrics help-loki help-memcached help-mimir help-minio help-mlflow help-mongodb help-mysql help-nextcloud help-node-exporter help-opentelemetry-collector help-paperless-ngx help-pgadmin help-phpmyadmin help-postgresql help-prometheus help-promtail help-pushgateway help-rabbitmq help-redis help-rsshub help-tempo help-uptime-kuma help-vaultwarden help-wireguard help-wordpress

help-header:
	@printf '%s\n' 'Usage: make <chart>-<target> [NAMESPACE=ns] [RELEASE=name] [KUBECTL=cmd]'
	@printf '%s\n' 'Cross-chart: make backup-all | backup-<chart> | restore-all | restore-<chart> [DRY_RUN=1] [<chart>.VAR=value]'
# gen:end makefile
