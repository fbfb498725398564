// A faster C limit than li_roofline.c at large N: the same LI update (Norse's order), but time-blocked.
// A block of W neurons walks TB time steps with its state (v, i) in registers, so each neuron-step
// costs only the read of x and the write of v (8 bytes) and no load/store of the state. Same command
// line and output as li_roofline.c: T N [reps], one line per thread count.
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define W 32
#define TB 16
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static void li_seq(int T,long N,const float*x,float*out,float*v,float*i,float a,float b,float vl){
  for(int t0=0;t0<T;t0+=TB){ int t1=t0+TB<T?t0+TB:T;
    #pragma omp parallel for schedule(static)
    for(long n0=0;n0<N;n0+=W){
      if(n0+W<=N){ float vv[W],ii[W];
        for(int k=0;k<W;k++){vv[k]=v[n0+k];ii[k]=i[n0+k];}
        for(int t=t0;t<t1;t++){ const float*xt=x+(long)t*N+n0; float*ot=out+(long)t*N+n0;
          #pragma omp simd
          for(int k=0;k<W;k++){ float j=ii[k]+xt[k]; float vn=vv[k]+a*((vl-vv[k])+j); ii[k]=j-b*j; vv[k]=vn; ot[k]=vn; } }
        for(int k=0;k<W;k++){v[n0+k]=vv[k];i[n0+k]=ii[k];}
      } else for(int t=t0;t<t1;t++) for(long n=n0;n<N;n++){ float j=i[n]+x[(long)t*N+n]; float vn=v[n]+a*((vl-v[n])+j); i[n]=j-b*j; v[n]=vn; out[(long)t*N+n]=vn; } } }
}
int main(int c,char**argv){ int T=atoi(argv[1]); long N=atol(argv[2]); int reps=c>3?atoi(argv[3]):5;
  float*x=malloc(sizeof(float)*T*N),*o=malloc(sizeof(float)*T*N),*v=calloc(N,4),*i=calloc(N,4);
  for(long k=0;k<(long)T*N;k++) x[k]=(float)((k*2654435761u)%1000)/1000.f;
  int maxth=omp_get_max_threads(); for(int th=1;th<=maxth;th++){ omp_set_num_threads(th); double best=1e9;
    for(int r=0;r<reps;r++){ double t0=now(); li_seq(T,N,x,o,v,i,0.1f,0.2f,0.f); double d=now()-t0; if(d<best)best=d; }
    printf("T=%d N=%ld threads=%d best=%.4fs neuron_steps_per_s=%.3e checksum=%g\n",T,N,th,best,(double)T*N/best,o[(long)T*N-1]); }
  return 0; }
